//! JavaScript API (work in progress).
