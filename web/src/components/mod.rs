//! The parts of the page [`crate::App`] puts together: the header, the headline strip and
//! same-page links, and the results section. The form is [`crate::controls`].

pub mod header;
pub mod nav;
pub mod results;
