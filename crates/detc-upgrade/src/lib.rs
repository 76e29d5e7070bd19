mod merge;
pub use merge::*;
