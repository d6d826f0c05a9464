//! One stable sort for lists that are not on the simulation's hot path (trace order, the
//! plan's ranking, a run's drop reasons, and the playground's chart orders).
//!
//! Every `sort_by` of another element type or comparator compiles the standard library's
//! whole sort again (2 to 5 KB of wasm each, in the playground's bundle); [`sort_by`] sorts a
//! list of indices through one comparator object and moves the items once, so the code of
//! the sort is there once. It is stable, as `slice::sort_by` is: for the same comparator it
//! gives the same order, so results do not change.

use std::cmp::Ordering;

/// Sorts `items` by `cmp`, stably (equal items keep their order), like `items.sort_by(cmp)`.
pub fn sort_by<T>(items: &mut [T], cmp: impl Fn(&T, &T) -> Ordering) {
    let order = permutation(items.len(), &|a, b| cmp(&items[a], &items[b]));
    // Position `i` takes the item at `order[i]`: follow each cycle of the permutation once.
    let mut done = vec![false; order.len()];
    for start in 0..order.len() {
        let mut at = start;
        while !done[at] {
            done[at] = true;
            let from = order[at];
            if from == start {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

/// The indices `0..n` in the order `cmp` gives them (the one instance of the std sort).
fn permutation(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_as_the_standard_stable_sort_does() {
        // Keys with many ties: equal keys keep their order, as `sort_by` keeps them.
        for n in [0_u32, 1, 2, 3, 17, 200, 1000] {
            let base: Vec<(u32, u32)> = (0..n).map(|i| ((i * 7919 + 3) % 13, i)).collect();
            let mut ours = base.clone();
            sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
            let mut std = base.clone();
            std.sort_by_key(|a| a.0);
            assert_eq!(ours, std, "n = {n}");
            // Descending, and with owned (non-Copy) items.
            let mut names: Vec<String> = base.iter().map(|p| format!("{}-{}", p.0, p.1)).collect();
            let mut std_names = names.clone();
            sort_by(&mut names, |a, b| b.len().cmp(&a.len()));
            std_names.sort_by_key(|b| std::cmp::Reverse(b.len()));
            assert_eq!(names, std_names, "n = {n}");
        }
    }
}
