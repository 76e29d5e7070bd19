pub mod keys;
pub mod reltime;
pub mod state;
