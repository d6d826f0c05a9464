//! The app's effects as custom hooks, one concern each, so that the app (`App` in `main.rs`)
//! only wires them together: the page's workers and their crash recovery ([`workers`]), the
//! simulation runs ([`runner`]), the threshold sweep ([`sweep`]), the baseline of a shared
//! link ([`link_baseline`]) and the Plan panel's worker pool ([`plan_search`]).

pub mod link_baseline;
pub mod plan_search;
pub mod runner;
pub mod sweep;
pub mod workers;
