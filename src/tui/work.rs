//! Work a tab hands to the worker pool, and what comes back. A tab builds a [`Work`] around a
//! closure that calls its service and returns the tab's own typed reply; the pool runs it on
//! one of a few threads (imports on a thread of their own), and the reply is routed back to
//! the tab that asked. Replies of an earlier session or of superseded requests are dropped
//! by the app.

use std::any::Any;
use std::panic::AssertUnwindSafe;

use crossbeam_channel::{Receiver, Sender, unbounded};

use super::jobs::JobResult;
use super::tabs::TabId;
use crate::auth::{Actor, Auth, Session};

/// What a work closure may use.
pub struct WorkCtx<'a> {
    pub auth: &'a Auth,
    pub actor: &'a Actor,
    /// The session the work was asked in (for what acts on one's own account).
    pub session: &'a Session,
    events: &'a dyn Fn(Box<dyn Any + Send>),
}

impl WorkCtx<'_> {
    /// Sends an event to the tab while the work runs (e.g. progress).
    pub fn emit<E: Send + 'static>(&self, event: E) {
        (self.events)(Box::new(event))
    }
}

type Run = Box<dyn FnOnce(&WorkCtx) -> Box<dyn Any + Send> + Send>;

/// A piece of work for the pool.
pub struct Work {
    /// Work in the same slot supersedes earlier work there: only the newest reply counts.
    pub slot: &'static str,
    /// Runs on a thread of its own (an import), so it never holds up the pool.
    pub long: bool,
    /// Changes the store (a sale, an edit, an import): figures read before it are old.
    pub writes: bool,
    run: Run,
}

impl Work {
    /// Work whose reply is `f`'s result.
    pub fn new<R: Send + 'static>(
        slot: &'static str,
        f: impl FnOnce(&WorkCtx) -> R + Send + 'static,
    ) -> Work {
        Work {
            slot,
            long: false,
            writes: false,
            run: Box::new(move |ctx| Box::new(f(ctx)) as Box<dyn Any + Send>),
        }
    }

    /// The same work, run on a thread of its own.
    pub fn long(mut self) -> Work {
        self.long = true;
        self
    }

    /// The same work, marked as changing the store.
    pub fn writes(mut self) -> Work {
        self.writes = true;
        self
    }
}

impl std::fmt::Debug for Work {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Work({}{})",
            self.slot,
            if self.long { ", long" } else { "" }
        )
    }
}

/// Work addressed: which tab, which session, which request.
#[derive(Debug)]
pub struct TabJob {
    pub tab: TabId,
    pub generation: u64,
    pub seq: u64,
    pub actor: Actor,
    pub session: Session,
    pub work: Work,
}

/// What came back for a tab.
pub enum Body {
    /// Sent while the work runs.
    Event(Box<dyn Any + Send>),
    /// The work's result; settles the request.
    Done(Box<dyn Any + Send>),
    /// The work panicked (a bug); settles the request.
    Panicked,
}

/// A reply routed to a tab.
pub struct TabReply {
    pub tab: TabId,
    pub generation: u64,
    pub seq: u64,
    pub slot: &'static str,
    /// Long work is not waited for (it is not counted in flight).
    pub long: bool,
    pub body: Body,
}

impl std::fmt::Debug for TabReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.body {
            Body::Event(_) => "event",
            Body::Done(_) => "done",
            Body::Panicked => "panicked",
        };
        write!(
            f,
            "TabReply({:?} #{} {}: {kind})",
            self.tab, self.seq, self.slot
        )
    }
}

/// What a tab's `on_reply` gets.
pub enum Reply {
    Event(Box<dyn Any + Send>),
    Done(Box<dyn Any + Send>),
    /// The work died without a result (a bug, logged).
    Lost,
}

impl Reply {
    /// The event, if it is one of type `E`.
    pub fn event<E: 'static>(self) -> Option<E> {
        match self {
            Reply::Event(b) => b.downcast::<E>().ok().map(|b| *b),
            Reply::Done(_) | Reply::Lost => None,
        }
    }

    /// The result, if it is one of type `R`.
    pub fn done<R: 'static>(self) -> Option<R> {
        match self {
            Reply::Done(b) => b.downcast::<R>().ok().map(|b| *b),
            Reply::Event(_) | Reply::Lost => None,
        }
    }
}

fn run_one(auth: &Auth, job: TabJob, results: &Sender<JobResult>) {
    let TabJob {
        tab,
        generation,
        seq,
        actor,
        session,
        work,
    } = job;
    let (slot, long) = (work.slot, work.long);
    let send = |body| {
        let _ = results.send(JobResult::Tab(TabReply {
            tab,
            generation,
            seq,
            slot,
            long,
            body,
        }));
    };
    let events = |e: Box<dyn Any + Send>| send(Body::Event(e));
    let ctx = WorkCtx {
        auth,
        actor: &actor,
        session: &session,
        events: &events,
    };
    let run = work.run;
    match std::panic::catch_unwind(AssertUnwindSafe(|| run(&ctx))) {
        Ok(r) => send(Body::Done(r)),
        Err(_) => {
            tracing::error!(tab = ?tab, slot, "tab work panicked");
            send(Body::Panicked)
        }
    }
}

/// Starts `threads` workers for tab work; they stop when the returned sender is dropped.
pub fn spawn_pool(auth: Auth, threads: usize, results: Sender<JobResult>) -> Sender<TabJob> {
    let (tx, rx): (Sender<TabJob>, Receiver<TabJob>) = unbounded();
    for i in 0..threads.max(1) {
        let (auth, rx, results) = (auth.clone(), rx.clone(), results.clone());
        std::thread::Builder::new()
            .name(format!("stockroom-tabs-{i}"))
            .spawn(move || {
                let span = crate::logging::operation_span("tui-tabs");
                let _enter = span.enter();
                for job in rx {
                    if job.work.long {
                        let (auth, results2) = (auth.clone(), results.clone());
                        let lost = TabReply {
                            tab: job.tab,
                            generation: job.generation,
                            seq: job.seq,
                            slot: job.work.slot,
                            long: true,
                            body: Body::Panicked,
                        };
                        let spawned = std::thread::Builder::new()
                            .name("stockroom-long".into())
                            .spawn(move || run_one(&auth, job, &results2));
                        if let Err(e) = spawned {
                            tracing::error!(error = %e, "could not start a thread for long work");
                            let _ = results.send(JobResult::Tab(lost));
                        }
                    } else {
                        run_one(&auth, job, &results);
                    }
                }
            })
            .expect("spawn a tab worker");
    }
    tx
}
