//! One sort for the page's own lists (chart orders, the plan's frontier, the embed's choices).
//!
//! Every `sort_by` of another element type or comparator compiles the standard library's
//! whole sort again (2 to 5 KB of wasm each); [`sort_by`] sorts a list of indices through one
//! comparator object instead, so the page carries that code once. It is stable, as
//! `slice::sort_by` is: for the same comparator it gives the same order.

use std::cmp::Ordering;

/// Sorts `items` by `cmp`, stably (equal items keep their order).
pub fn sort_by<T>(items: &mut Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) {
    let order = permutation(items.len(), &|a, b| cmp(&items[a], &items[b]));
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(order.into_iter().filter_map(|i| slots[i].take()));
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
        // Pairs sorted by their first half only: ties keep their order, as `sort_by` keeps them.
        let base: Vec<(u32, u32)> = (0..200_u32).map(|i| ((i * 7919) % 13, i)).collect();
        let mut ours = base.clone();
        sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
        let mut std = base;
        std.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(ours, std);
        let mut none: Vec<u8> = Vec::new();
        sort_by(&mut none, u8::cmp);
        assert!(none.is_empty());
    }
}
