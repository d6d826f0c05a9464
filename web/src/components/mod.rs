//! The parts of the page [`crate::App`] puts together: the header, the headline strip and
//! same-page links, the form, and the results section. The form is [`controls`], one module per section.

pub mod controls;
pub mod header;
pub mod nav;
pub mod results;
