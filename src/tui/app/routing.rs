//! Tab routing: keys on the main screen go to the tab in front (or switch tabs), what a tab
//! asks for is carried out, and replies of its work come back to it — unless they belong to
//! an earlier session or a superseded request.

use crossterm::event::{KeyCode, KeyEvent};

use super::{App, Notice, Screen};
use crate::auth::Actor;
use crate::tui::jobs::Job;
use crate::tui::keymap::Action;
use crate::tui::tabs::{Cmd, Ctx, Tab};
use crate::tui::work::{Body, Reply, TabJob, TabReply};

impl App {
    pub(super) fn on_screen_key(&mut self, key: KeyEvent, action: Option<Action>) {
        if let Screen::Main { tab } = self.screen
            && let Some(cmd) = self.tab_key(tab, &key, action)
        {
            self.apply(tab, cmd);
            return;
        }
        match self.screen {
            Screen::BackupCodes { next, .. } if key.code == KeyCode::Enter => self.route(next),
            Screen::Main { tab } => {
                let n = self.tabs.len().max(1);
                let to = match action {
                    Some(Action::NextField | Action::NextTab | Action::Right) => (tab + 1) % n,
                    Some(Action::PrevField | Action::PrevTab | Action::Left) => (tab + n - 1) % n,
                    Some(a) if a.tab_index().is_some_and(|i| i < n) => a.tab_index().unwrap_or(0),
                    _ => return,
                };
                self.open_tab(to);
            }
            _ => {}
        }
    }

    /// Offers a key to tab `i`.
    fn tab_key(&mut self, i: usize, key: &KeyEvent, action: Option<Action>) -> Option<Cmd> {
        self.with_tab(i, |t, ctx| t.handle_key(key, action, ctx))
    }

    /// Runs `f` on tab `i` with the context tabs read, while someone is signed in. The tab is
    /// lent out of the collection for the call, so the context can borrow the rest of the app.
    fn with_tab(
        &mut self,
        i: usize,
        f: impl FnOnce(&mut dyn Tab, &Ctx) -> Option<Cmd>,
    ) -> Option<Cmd> {
        self.session.as_ref()?;
        let mut tabs = std::mem::take(&mut self.tabs);
        let cmd = tabs.get_mut(i).and_then(|t| f(t.as_mut(), &self.ctx()));
        self.tabs = tabs;
        cmd
    }

    /// A tick for the tab in front (a Dashboard refreshes its figures every minute).
    pub(super) fn tab_tick(&mut self) {
        if let Screen::Main { tab } = self.screen
            && let Some(cmd) = self.with_tab(tab, |t, ctx| t.on_tick(ctx))
        {
            self.apply(tab, cmd);
        }
    }

    /// The terminal's new size, for the tab in front.
    pub(super) fn tab_resized(&mut self) {
        if let Screen::Main { tab } = self.screen
            && let Some(cmd) = self.with_tab(tab, |t, ctx| t.on_resize(ctx))
        {
            self.apply(tab, cmd);
        }
    }

    /// Brings tab `i` to the front.
    pub(super) fn open_tab(&mut self, i: usize) {
        if i >= self.tabs.len() {
            return;
        }
        self.screen = Screen::Main { tab: i };
        if let Some(cmd) = self.with_tab(i, |t, ctx| t.on_open(ctx)) {
            self.apply(i, cmd);
        }
    }

    /// Carries out what tab `i` asked for.
    fn apply(&mut self, i: usize, cmd: Cmd) {
        match cmd {
            Cmd::Done => {}
            Cmd::Batch(cmds) => {
                for c in cmds {
                    self.apply(i, c);
                }
            }
            Cmd::Notice(n) => self.notice = Some(n),
            Cmd::Copy(text) => self.clipboard = Some(text),
            Cmd::Shop(shop) => {
                self.reports.currency = shop.currency.clone();
                self.shop = shop;
            }
            Cmd::SessionEnded(text) => self.back_to_login(Notice::error(text)),
            Cmd::Run(work) => {
                let (Some(s), Some(t)) = (&self.session, self.tabs.get(i)) else {
                    return;
                };
                self.next_seq += 1;
                if work.writes {
                    self.writing.insert(self.next_seq);
                }
                let tab = t.id();
                self.latest.insert((tab, work.slot), self.next_seq);
                let job = TabJob {
                    tab,
                    generation: self.generation,
                    seq: self.next_seq,
                    actor: Actor::from_session(s),
                    session: s.clone(),
                    work,
                };
                if job.work.long {
                    // Not waited for: it reports as it goes, and may run for minutes.
                    self.outbox.push(Job::Tab(Box::new(job)));
                } else {
                    self.send(Job::Tab(Box::new(job)));
                }
            }
        }
    }

    pub(super) fn on_tab_reply(&mut self, r: TabReply) {
        let settles = !matches!(r.body, Body::Event(_));
        if settles && !r.long {
            self.in_flight = self.in_flight.saturating_sub(1);
        }
        // A write answered (even one since superseded): figures read before it are old.
        if settles && r.generation == self.generation && self.writing.remove(&r.seq) {
            self.wrote += 1;
        }
        // Replies of an earlier session, or to a request since superseded, are dropped.
        let current =
            r.generation == self.generation && self.latest.get(&(r.tab, r.slot)) == Some(&r.seq);
        if !current || self.session.is_none() {
            return;
        }
        if settles {
            self.latest.remove(&(r.tab, r.slot));
        }
        let Some(i) = self.tabs.iter().position(|t| t.id() == r.tab) else {
            return;
        };
        let reply = match r.body {
            Body::Event(e) => Reply::Event(e),
            Body::Done(d) => Reply::Done(d),
            Body::Panicked => {
                self.error("Something went wrong inside Stockroom (a bug; the log has details).");
                Reply::Lost
            }
        };
        if let Some(cmd) = self.with_tab(i, |t, ctx| t.on_reply(reply, ctx)) {
            self.apply(i, cmd);
        }
    }
}
