pub mod command;
pub mod engine;
pub mod keys;
pub mod limits;
pub mod options;
pub mod reltime;
pub mod standalone;
pub mod state;
