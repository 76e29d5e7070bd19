//! The `firstseen` binary: with no arguments (as splunkd starts it) it speaks
//! the chunked protocol on stdin/stdout; `firstseen run …` runs the engine on
//! a CSV file.

use clap::{Parser, Subcommand};
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

const SPL_HELP: &str = "\
In Splunk (commands.conf: chunked = true), after rows with a time and key fields:

  ... | firstseen lookup=<name> key=<field>[,<field>...] [time=<field>] [last_time=<field>]
        [window=<modifier>] [min_history=<modifier>] [retention=<modifier>]
        [output=new|all] [update=true|false] [tz=<zone>] [store=csv|kvstore] [seed=<lookup>]
        [timeout=<s>] [connect_timeout=<s>] [read_timeout=<s>]

  lookup=       the state: lookup file <name>.csv in this app's lookups folder (no path),
                or with store=kvstore the app's KV store collection <name>
  store=        csv (default): a file on this search head; kvstore: a collection that
                every member of a search head cluster shares
  key=          fields that make a key, e.g. user,command
  time=         field with epoch seconds (default _time)
  last_time=    field with the last time (default lastTime when time=firstTime, else time=)
  window=       a key is new when first seen at or after this time (default -24h@h),
                measured from the search's latest time, or now
  min_history=  report nothing until the state reaches back to this time (ESCU enough_data)
  retention=    drop keys last seen before this time when saving
  output=       new: rows of new keys (default); all: every row, with isNew
  update=       false: read the state, do not save it
  tz=           time zone for @d, @w0, @mon snapping (default TZ, else the system's)
  seed=         store=csv: start from this existing lookup (e.g. an ESCU previously_seen_*)
  timeout=      seconds all of a run's calls to splunkd may take together (default 30)
  connect_timeout=  seconds to wait for a connection to splunkd (default 5)
  read_timeout= seconds to wait for one answer of splunkd (default 20)

Returned rows get firstTimeSeen, lastTimeSeen and isNew. Modifiers use Splunk's syntax:
-24h@h, -7d@d, @w0, -1mon@mon, now, epoch seconds.";

#[derive(Parser)]
#[command(name = "firstseen", version, about = "First-seen detection for Splunk: a custom search command (protocol v2) with its state in a KV store collection or a CSV lookup", after_help = SPL_HELP)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the engine on a CSV file of rows, outside Splunk (tests, demos, backfill).
    Run {
        /// Rows as CSV with a header (`-` = standard input).
        #[arg(long)]
        input: PathBuf,
        /// State file (created if missing), same format as the lookup.
        #[arg(long)]
        state: PathBuf,
        /// Reference time for window=, epoch seconds (default: now). Splunk uses the search's latest time.
        #[arg(long)]
        latest: Option<f64>,
        /// Write the rows here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Options as in SPL: key=user,command window=-24h@h ...
        #[arg(required = true, value_name = "OPTION=VALUE")]
        options: Vec<String>,
    },
}

fn main() -> ExitCode {
    if std::env::args_os().len() <= 1 {
        let stdin = BufReader::with_capacity(1 << 20, std::io::stdin().lock());
        let stdout = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
        let mut cmd = firstseen::command::FirstSeen::default();
        return match splunk_chunked::run(&mut cmd, stdin, stdout) {
            splunk_chunked::Status::Done => ExitCode::SUCCESS,
            splunk_chunked::Status::Failed(msg) => {
                // stderr lands in search.log; the message already went to Splunk.
                eprintln!("firstseen: {msg}");
                ExitCode::FAILURE
            }
        };
    }
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Run {
            input,
            state,
            latest,
            output,
            options,
        } => {
            let result = firstseen::standalone::read_input(&input)
                .and_then(|bytes| firstseen::standalone::run(&options, &bytes, &state, latest));
            let out = match result {
                Ok(o) => o,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            for (level, msg) in &out.messages {
                eprintln!("{}: {msg}", format!("{level:?}").to_lowercase());
            }
            let written = match &output {
                Some(p) => std::fs::write(p, &out.body)
                    .map_err(|e| format!("cannot write {}: {e}", p.display())),
                None => std::io::stdout()
                    .write_all(&out.body)
                    .map_err(|e| e.to_string()),
            };
            if let Err(e) = written {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
            ExitCode::SUCCESS
        }
    }
}
