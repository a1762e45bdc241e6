//! Events written as JSON lines, read ahead on a second thread while the
//! engine routes: what `tierwise route` and Python's `apply_many` do with text.

use std::sync::mpsc;

use super::Engine;
use crate::{Decision, Error, Event};

/// Events handed from the reading thread to the engine at a time. Each
/// hand-over costs the threads some waking and the allocator some work on
/// memory the other thread allocated, so batches are large (`tierwise route`
/// on a million short events: 0.32-0.33 s with batches of 8,192, 0.43-0.49 s
/// with 256)...
const BATCH: usize = 8192;
/// ... except when every offer lists the agents passed over
/// ([`Engine::set_explain`]): its decisions are then seven times as long,
/// and a batch's worth of them stays within the caches only in small batches
/// (the same million events explained: 1.76-1.78 s with 256, 2.23-2.31 s with
/// 8,192).
const EXPLAINED_BATCH: usize = 256;
/// Batches waiting for the engine at most; the reading thread may hold one
/// more, full, while it waits to hand it over. So reading runs at most three
/// batches ahead, and memory stays flat however long the input.
const AHEAD: usize = 2;

/// Why [`Engine::apply_json_lines`] stopped before the end of its input.
#[derive(Debug)]
pub enum LinesStopped<E> {
    /// The line numbered `line` is not an event, or the engine refused it;
    /// the engine is as it was after the line before, except that the timers
    /// due by the refused line's instant have fired (their decisions were
    /// handed out), as time passes whether or not an event is valid.
    Event {
        /// The line's number, as the caller numbered it.
        line: u64,
        /// What is wrong with it.
        error: Error,
    },
    /// The caller's input or output failed.
    Caller(E),
    /// Writing the decisions failed ([`Engine::route_json_lines`]).
    Output(std::io::Error),
}

/// A line as the reading thread hands it over.
enum Read<E> {
    Event(u64, Result<Event, Error>),
    Failed(E),
}

impl Engine {
    /// Applies events written as JSON, one per line, in order. `lines` gives
    /// each line's number (as the caller counts them, for errors) and text;
    /// blank lines and lines starting with `#` are skipped. `decided` gets
    /// each event's decisions as they are made (it may take them out of the
    /// vector).
    ///
    /// Lines are read and parsed on a second thread, at most three batches
    /// ahead of the engine (of 8,192 events, or of 256 when offers are
    /// explained), so reading overlaps routing; the decisions are
    /// those of applying the events one by one with [`Engine::apply_owned`].
    /// Reading stops at the first line that cannot be read or parsed, or at
    /// the next batch after the engine stops.
    ///
    /// ```
    /// use tierwise::{Engine, Policy, agent::AgentSpec};
    /// let policy = Policy::from_toml_str("version = 1")?.compile()?;
    /// let ana: AgentSpec = serde_json::from_str(r#"{"id": "ana", "tier": "L1"}"#).unwrap();
    /// let mut engine = Engine::new(policy, vec![ana])?;
    /// let text = r#"{"at": "2026-03-02T09:00:00Z", "event": "agent_logged_in", "agent": "ana"}
    /// {"at": "2026-03-02T09:01:00Z", "event": "ticket_created", "ticket": {"id": "T1", "created_at": "2026-03-02T09:01:00Z", "channel": "chat"}}"#;
    /// let lines = text.lines().zip(1..).map(|(line, n)| Ok::<_, std::io::Error>((n, line)));
    /// let mut offers = 0;
    /// engine
    ///     .apply_json_lines(lines, |decisions| {
    ///         offers += decisions.iter().filter(|d| matches!(d, tierwise::Decision::Offer { .. })).count();
    ///         Ok(())
    ///     })
    ///     .unwrap();
    /// assert_eq!(offers, 1);
    /// # Ok::<(), tierwise::Error>(())
    /// ```
    ///
    /// # Errors
    /// The first line that is not an event or that the engine refuses
    /// ([`LinesStopped::Event`]), or the first failure of `lines` or
    /// `decided` ([`LinesStopped::Caller`]). Every decision made before it
    /// has been handed to `decided`, including those of the timers that
    /// fired by the refused event's instant (an offer that expired, say).
    pub fn apply_json_lines<S, E>(
        &mut self,
        lines: impl Iterator<Item = Result<(u64, S), E>> + Send,
        decided: impl FnMut(&mut Vec<Decision>) -> Result<(), E>,
    ) -> Result<(), LinesStopped<E>>
    where
        S: AsRef<str>,
        E: Send,
    {
        self.apply_json_lines_in_batches(lines, self.batch_len(), decided)
    }

    /// [`Engine::apply_json_lines`], handing over `batch` events at a time.
    fn apply_json_lines_in_batches<S, E>(
        &mut self,
        lines: impl Iterator<Item = Result<(u64, S), E>> + Send,
        batch: usize,
        mut decided: impl FnMut(&mut Vec<Decision>) -> Result<(), E>,
    ) -> Result<(), LinesStopped<E>>
    where
        S: AsRef<str>,
        E: Send,
    {
        std::thread::scope(|scope| {
            let (to_engine, from_reader) = mpsc::sync_channel(AHEAD);
            scope.spawn(move || read_ahead(lines, batch, &to_engine, || Ok::<(), std::convert::Infallible>(())));
            self.route_batches(from_reader, |routed| match routed {
                Routed::Event(decisions) => decided(decisions),
                Routed::Batch { .. } => Ok(()),
            })
        })
    }

    /// As [`Engine::apply_json_lines`], writing the decisions to `out` as
    /// JSON lines (one decision per line, as serde writes a [`Decision`]).
    /// The writing is shared between the two threads: after each batch, the
    /// engine writes the decisions it made itself if it has caught up with
    /// the reading (it would only wait otherwise), and hands them to the
    /// reading thread, to write between batches, if more input is waiting.
    /// So on two cores whichever side is ahead takes on the writing.
    ///
    /// # Errors
    /// As [`Engine::apply_json_lines`], or [`LinesStopped::Output`] when
    /// writing fails. Decisions made before a failed line are written. After
    /// a failed write, the engine may have applied events whose decisions
    /// were not written: it notices at the end of a batch.
    pub fn route_json_lines<S, E>(
        &mut self,
        lines: impl Iterator<Item = Result<(u64, S), E>> + Send,
        out: &mut (impl std::io::Write + Send),
    ) -> Result<(), LinesStopped<E>>
    where
        S: AsRef<str>,
        E: Send,
    {
        self.route_json_lines_in_batches(lines, self.batch_len(), out)
    }

    /// [`Engine::route_json_lines`], handing over `batch` events at a time.
    fn route_json_lines_in_batches<S, E>(
        &mut self,
        lines: impl Iterator<Item = Result<(u64, S), E>> + Send,
        batch: usize,
        out: &mut (impl std::io::Write + Send),
    ) -> Result<(), LinesStopped<E>>
    where
        S: AsRef<str>,
        E: Send,
    {
        std::thread::scope(|scope| {
            let (to_engine, from_reader) = mpsc::sync_channel(AHEAD);
            // Unbounded, yet never long: the engine cannot get more than
            // `AHEAD` batches ahead of the reading, which writes in between.
            let (to_writer, from_engine) = mpsc::channel::<Decided>();
            let helper = scope.spawn(move || read_ahead_write_behind(lines, batch, to_engine, &from_engine, out));
            let mut decided = Vec::with_capacity(2 * batch);
            // Each batch's decisions, written here or handed over; the
            // input's errors as `Some`, `None` when the writer is gone (it
            // failed: its error is reported below).
            let routed = self.route_batches(from_reader, |routed| match routed {
                Routed::Event(decisions) => {
                    decided.append(decisions);
                    Ok(())
                }
                Routed::Batch { next_waiting } => {
                    if decided.is_empty() {
                        return Ok(());
                    }
                    let message = if next_waiting {
                        Decided::ToWrite(std::mem::replace(&mut decided, Vec::with_capacity(2 * batch)))
                    } else {
                        written(&mut decided)
                    };
                    to_writer.send(message).map_err(|_| None)
                }
            });
            // What was decided before the end or a bad line; this fails only
            // if the writer already has.
            if !decided.is_empty() {
                let _ = to_writer.send(Decided::ToWrite(decided));
            }
            drop(to_writer);
            let written = helper.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            match routed {
                Err(LinesStopped::Event { line, error }) => Err(LinesStopped::Event { line, error }),
                Err(LinesStopped::Caller(Some(e))) => Err(LinesStopped::Caller(e)),
                // Done, or stopped because the writer was: its result says which.
                Ok(()) | Err(LinesStopped::Caller(None) | LinesStopped::Output(_)) => {
                    written.map_err(LinesStopped::Output)
                }
            }
        })
    }

    /// How many events the reading thread hands over at a time.
    fn batch_len(&self) -> usize {
        if self.explain { EXPLAINED_BATCH } else { BATCH }
    }

    /// Applies the batches the reading thread sends until it stops (the
    /// input ended or failed, or the writer did); returning early drops the
    /// receiver, and the reader stops at its next batch. `routed` hears of
    /// each event's decisions and of the end of each batch.
    fn route_batches<E, X>(
        &mut self,
        from_reader: mpsc::Receiver<Vec<Read<E>>>,
        mut routed: impl FnMut(Routed<'_>) -> Result<(), X>,
    ) -> Result<(), LinesStopped<X>>
    where
        E: Into<X>,
    {
        let mut out = Vec::new();
        let mut waiting = from_reader.recv().ok();
        while let Some(batch) = waiting {
            for read in batch {
                let (line, event) = match read {
                    Read::Event(line, event) => (line, event),
                    Read::Failed(e) => return Err(LinesStopped::Caller(e.into())),
                };
                let event = event.map_err(|error| LinesStopped::Event { line, error })?;
                out.clear();
                // What the timers due by a refused event's instant decided is
                // handed out before the stop, not lost with the rest.
                if let Err(error) = self.apply_handing_out(event, &mut out) {
                    if !out.is_empty() {
                        routed(Routed::Event(&mut out)).map_err(LinesStopped::Caller)?;
                    }
                    return Err(LinesStopped::Event { line, error });
                }
                routed(Routed::Event(&mut out)).map_err(LinesStopped::Caller)?;
            }
            waiting = from_reader.try_recv().ok();
            routed(Routed::Batch { next_waiting: waiting.is_some() }).map_err(LinesStopped::Caller)?;
            if waiting.is_none() {
                waiting = from_reader.recv().ok();
            }
        }
        Ok(())
    }
}

/// What [`Engine::route_batches`] tells its caller.
enum Routed<'a> {
    /// An event's decisions (they may be taken out of the vector).
    Event(&'a mut Vec<Decision>),
    /// The end of a batch; whether the next one is waiting already, so that
    /// the engine is behind the reading.
    Batch { next_waiting: bool },
}

/// Decisions on their way from the engine's thread to the writing one.
enum Decided {
    /// To be written by the reading thread.
    ToWrite(Vec<Decision>),
    /// Written by the engine's thread, which had caught up with the reading.
    Written(Vec<u8>),
}

/// `decisions` as JSON lines (emptying it), or handed over as they are if
/// one cannot be written: the writing thread then meets the same error and
/// reports it.
fn written(decisions: &mut Vec<Decision>) -> Decided {
    // About what the decisions of a batch take, so the text is rarely moved.
    let mut text = Vec::with_capacity(decisions.len() * 256);
    if decisions.iter().try_for_each(|decision| decision.write_json_line(&mut text)).is_ok() {
        decisions.clear();
        Decided::Written(text)
    } else {
        Decided::ToWrite(std::mem::take(decisions))
    }
}

/// Reads ahead (see [`read_ahead`]), writing the decisions the engine made
/// meanwhile between batches, then the rest as the engine finishes.
fn read_ahead_write_behind<S: AsRef<str>, E>(
    lines: impl Iterator<Item = Result<(u64, S), E>>,
    batch_len: usize,
    to_engine: mpsc::SyncSender<Vec<Read<E>>>,
    from_engine: &mpsc::Receiver<Decided>,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let mut text = Vec::new();
    let mut write = |decided: Decided| match decided {
        Decided::Written(text) => out.write_all(&text),
        Decided::ToWrite(decisions) => {
            text.clear();
            for decision in &decisions {
                decision.write_json_line(&mut text)?;
            }
            out.write_all(&text)
        }
    };
    read_ahead(lines, batch_len, &to_engine, || from_engine.try_iter().try_for_each(&mut write))?;
    // The end of the input, for the engine; the rest of its decisions come
    // until it is done.
    drop(to_engine);
    from_engine.iter().try_for_each(write)
}

/// Reads and parses lines in batches of `batch_len`, until the input ends, a
/// line fails, the engine's side hangs up, or `between` (called after each
/// batch sent) fails. Dropping `to_engine` afterwards tells the engine the
/// input ended.
fn read_ahead<S: AsRef<str>, E, X>(
    lines: impl Iterator<Item = Result<(u64, S), E>>,
    batch_len: usize,
    to_engine: &mpsc::SyncSender<Vec<Read<E>>>,
    mut between: impl FnMut() -> Result<(), X>,
) -> Result<(), X> {
    let mut batch = Vec::with_capacity(batch_len);
    let mut first = true;
    for item in lines {
        let read = match item {
            Err(e) => Read::Failed(e),
            Ok((line, text)) => {
                let mut text = text.as_ref().trim();
                if std::mem::take(&mut first) {
                    text = crate::policy::without_byte_order_mark(text);
                }
                if text.is_empty() || text.starts_with('#') {
                    continue;
                }
                Read::Event(line, Event::from_json_str(text))
            }
        };
        let last = matches!(read, Read::Failed(_) | Read::Event(_, Err(_)));
        batch.push(read);
        if last {
            break;
        }
        if batch.len() == batch_len {
            if to_engine.send(std::mem::replace(&mut batch, Vec::with_capacity(batch_len))).is_err() {
                return Ok(());
            }
            between()?;
        }
    }
    if !batch.is_empty() {
        // The engine's side may have hung up already: nothing to do then.
        let _ = to_engine.send(batch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::AgentSpec;

    fn engine() -> Engine {
        let policy = crate::Policy::from_toml_str("version = 1").and_then(|p| p.compile()).expect("policy");
        let roster: Vec<AgentSpec> = (0..3)
            .map(|i| serde_json::from_str(&format!(r#"{{"id": "a{i}", "tier": "L1"}}"#)).expect("agent"))
            .collect();
        Engine::new(policy, roster).expect("engine")
    }

    fn lines(n: usize, bad_at: Option<usize>) -> Vec<String> {
        let mut out: Vec<String> = (0..3)
            .map(|i| format!(r#"{{"at": "2026-03-02T09:00:00Z", "event": "agent_logged_in", "agent": "a{i}"}}"#))
            .collect();
        out.push(String::new());
        out.push("# a comment".to_owned());
        for i in 0..n {
            // A second apart from 09:01:00.
            let s = 60 + i;
            let at = format!("2026-03-02T{:02}:{:02}:{:02}Z", 9 + s / 3600, s / 60 % 60, s % 60);
            if bad_at == Some(i) {
                out.push(format!(r#"{{"at": "{at}", "event": "ticket_closed", "ticket": 7}}"#));
            }
            out.push(format!(
                r#"{{"at": "{at}", "event": "ticket_created", "ticket": {{"id": "T{i}", "created_at": "{at}", "channel": "email"}}}}"#
            ));
            out.push(format!(r#"{{"at": "{at}", "event": "ticket_closed", "ticket": "T{i}"}}"#));
        }
        out
    }

    /// The decisions of applying `lines` one at a time, up to the first
    /// failure, and that failure's line index.
    fn one_by_one(lines: &[String]) -> (Vec<Decision>, Option<u64>) {
        let mut engine = engine();
        let mut all = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let text = line.trim();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            let Ok(event) = Event::from_json_str(text) else { return (all, Some(i as u64)) };
            if engine.apply_handing_out(event, &mut all).is_err() {
                return (all, Some(i as u64));
            }
        }
        (all, None)
    }

    /// The decisions of reading `lines` ahead, `batch` at a time.
    fn ahead(lines: &[String], batch: usize) -> (Vec<Decision>, Option<u64>) {
        let mut engine = engine();
        let mut all = Vec::new();
        let numbered = lines.iter().zip(0u64..).map(|(l, i)| Ok::<_, ()>((i, l)));
        let stopped = engine.apply_json_lines_in_batches(numbered, batch, |d| {
            all.append(d);
            Ok(())
        });
        let line = match stopped {
            Ok(()) => None,
            Err(LinesStopped::Event { line, .. }) => Some(line),
            Err(LinesStopped::Caller(()) | LinesStopped::Output(_)) => panic!("the input cannot fail"),
        };
        (all, line)
    }

    #[test]
    fn the_same_decisions_as_one_event_at_a_time() {
        // Several batches, and a partial last one, in batches of either size.
        let input = lines(5000, None);
        let (expected, none) = one_by_one(&input);
        assert_eq!(none, None);
        let offers = expected.iter().filter(|d| matches!(d, Decision::Offer { .. })).count();
        assert_eq!(offers, 5000, "every ticket offered once");
        assert_eq!(ahead(&input, BATCH), (expected.clone(), None));
        assert_eq!(ahead(&input, EXPLAINED_BATCH), (expected, None));
    }

    #[test]
    fn stops_at_the_first_bad_line_with_everything_before_it_decided() {
        for bad_at in [0, 300, 999] {
            let input = lines(1000, Some(bad_at));
            let (expected, line) = one_by_one(&input);
            assert!(line.is_some());
            assert_eq!(ahead(&input, EXPLAINED_BATCH), (expected, line), "bad event {bad_at}");
        }
        // A line the engine refuses (unknown ticket) rather than one that is
        // not an event; at the instant of the line before it (ticket 347's
        // creation), so that its time is not what is wrong.
        let mut input = lines(600, None);
        input.insert(700, r#"{"at": "2026-03-02T09:06:47Z", "event": "ticket_closed", "ticket": "nobody"}"#.into());
        let (expected, line) = one_by_one(&input);
        assert_eq!(line, Some(700));
        assert_eq!(ahead(&input, EXPLAINED_BATCH), (expected, line));
    }

    #[test]
    fn failures_of_the_input_and_of_the_caller_stop_it() {
        let input = lines(500, None);
        let mut engine = engine();
        let failing = input.iter().zip(0u64..).map(|(l, i)| if i == 400 { Err("disk gone") } else { Ok((i, l)) });
        let mut seen = 0;
        let stopped = engine.apply_json_lines(failing, |_| {
            seen += 1;
            Ok(())
        });
        assert!(matches!(stopped, Err(LinesStopped::Caller("disk gone"))));
        // Lines 0 to 399, less the blank line and the comment.
        assert_eq!(seen, 398);

        let mut engine = self::engine();
        let numbered = input.iter().zip(0u64..).map(|(l, i)| Ok((i, l)));
        let mut calls = 0;
        let stopped = engine.apply_json_lines(numbered, |_| {
            calls += 1;
            if calls == 10 { Err("pipe closed") } else { Ok(()) }
        });
        assert!(matches!(stopped, Err(LinesStopped::Caller("pipe closed"))));
        assert_eq!(calls, 10);
    }

    #[test]
    fn written_lines_are_the_decisions_in_order() {
        // The bad line comes after a whole batch of either size.
        let input = lines(5000, Some(4500));
        let (expected, line) = one_by_one(&input);
        let mut text = Vec::new();
        for d in &expected {
            serde_json::to_writer(&mut text, d).expect("decision");
            text.push(b'\n');
        }
        for batch in [BATCH, EXPLAINED_BATCH] {
            let mut engine = engine();
            let mut out = Vec::new();
            let numbered = input.iter().zip(0u64..).map(|(l, i)| Ok::<_, ()>((i, l)));
            let stopped = engine.route_json_lines_in_batches(numbered, batch, &mut out);
            assert!(matches!(stopped, Err(LinesStopped::Event { line: l, .. }) if Some(l) == line));
            assert_eq!(String::from_utf8(out).expect("UTF-8"), String::from_utf8(text.clone()).expect("UTF-8"));
        }
    }

    #[test]
    fn a_refused_line_stops_after_what_its_timers_decided() {
        // The offer expires at 09:00:30; accepting it at 09:01 is refused,
        // but the expiry happened and is written before the stop.
        let policy = crate::Policy::from_toml_str("version = 1\n[routing]\noffer_timeout = \"30s\"")
            .and_then(|p| p.compile())
            .expect("policy");
        let roster = vec![serde_json::from_str::<AgentSpec>(r#"{"id": "a0", "tier": "L1"}"#).expect("agent")];
        let mut engine = Engine::new(policy, roster).expect("engine");
        let input = [
            r#"{"at": "2026-03-02T09:00:00Z", "event": "agent_logged_in", "agent": "a0"}"#,
            r#"{"at": "2026-03-02T09:00:00Z", "event": "ticket_created", "ticket": {"id": "T0", "created_at": "2026-03-02T09:00:00Z", "channel": "email"}}"#,
            r#"{"at": "2026-03-02T09:01:00Z", "event": "offer_accepted", "agent": "a0", "ticket": "T0"}"#,
        ];
        let mut out = Vec::new();
        let numbered = input.iter().zip(1u64..).map(|(l, i)| Ok::<_, ()>((i, l)));
        let stopped = engine.route_json_lines(numbered, &mut out);
        assert!(matches!(stopped, Err(LinesStopped::Event { line: 3, .. })), "{stopped:?}");
        let text = String::from_utf8(out).expect("UTF-8");
        let last: Vec<&str> = text.lines().rev().take(2).collect();
        assert!(last[1].contains(r#""decision":"offer_expired","at":"2026-03-02T09:00:30Z""#), "{text}");
        // Then when to call back, as a call that succeeds ends.
        assert!(last[0].starts_with(r#"{"decision":"wake_at""#), "{text}");
    }

    /// Keeps what is written, taking `pause` over each write, until it has
    /// taken `room` bytes; then fails.
    struct Output {
        text: Vec<u8>,
        room: usize,
        pause: std::time::Duration,
    }

    impl std::io::Write for Output {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.room < buf.len() {
                return Err(std::io::Error::other("disk full"));
            }
            std::thread::sleep(self.pause);
            self.room -= buf.len();
            self.text.extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_same_lines_whichever_thread_writes_them() {
        let input = lines(3000, None);
        let (expected, _) = one_by_one(&input);
        let mut text = Vec::new();
        for d in &expected {
            d.write_json_line(&mut text).expect("decision");
        }
        // Slow input: the engine catches up after every batch and writes
        // its decisions itself.
        let mut out = Vec::new();
        let slowly = input.iter().zip(0u64..).map(|(l, i)| {
            if i % 64 == 0 {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            Ok::<_, ()>((i, l))
        });
        // Batches of 256, so that there are many.
        engine().route_json_lines_in_batches(slowly, EXPLAINED_BATCH, &mut out).expect("routed");
        assert!(out == text, "the engine's thread writing");
        // Slow output: the reading gets ahead, and its thread writes.
        let mut out = Output { text: Vec::new(), room: usize::MAX, pause: std::time::Duration::from_millis(2) };
        let numbered = input.iter().zip(0u64..).map(|(l, i)| Ok::<_, ()>((i, l)));
        engine().route_json_lines_in_batches(numbered, EXPLAINED_BATCH, &mut out).expect("routed");
        assert!(out.text == text, "the reading thread writing");
    }

    #[test]
    fn a_failed_write_stops_it() {
        // Input for more than eight batches of either size.
        let input = lines(33_000, None);
        for batch in [EXPLAINED_BATCH, BATCH] {
            let mut engine = engine();
            let read = std::sync::atomic::AtomicUsize::new(0);
            let numbered = input.iter().zip(0u64..).map(|(l, i)| {
                read.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Ok::<_, ()>((i, l))
            });
            let stopped = engine.route_json_lines_in_batches(
                numbered,
                batch,
                &mut Output { text: Vec::new(), room: 10_000, pause: std::time::Duration::ZERO },
            );
            assert!(matches!(stopped, Err(LinesStopped::Output(e)) if e.to_string() == "disk full"));
            // Reading stopped a few batches after, not at the end of the input.
            let read = read.into_inner();
            assert!(read <= 5 * batch, "read {read} of {} lines in batches of {batch}", input.len());
        }
    }
}
