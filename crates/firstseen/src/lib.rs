pub mod keys;
pub mod options;
pub mod reltime;
pub mod state;
pub mod engine;
pub mod command;
pub mod standalone;
