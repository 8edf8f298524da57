//! What the data service answered, folded into the Data tab: a page, a record, a form to
//! edit, a save, an add, a delete, an export, the matches of a typed name.

use super::{Cmd, Ctx, DataReply, DataTab, Editor, Land, Notice, Pane};
use crate::store::data;

impl DataTab {
    /// Folds what the data service answered into the tab.
    pub(super) fn on_done(&mut self, reply: DataReply, ctx: &Ctx) -> Option<Cmd> {
        match reply {
            DataReply::Page(r) => {
                self.loading = false;
                self.asked = None;
                match r {
                    // Past the end (rows deleted meanwhile): the last row instead.
                    Ok(page) if page.rows.is_empty() && page.offset > 0 && page.total > 0 => {
                        Some(self.load(ctx, page.total - 1, Land::Last))
                    }
                    Ok(page) => {
                        let n = page.rows.len();
                        self.cursor = match self.land {
                            Land::First => 0,
                            Land::Last => n.saturating_sub(1),
                            Land::At(i) => i.min(n.saturating_sub(1)),
                        };
                        self.page = Some(page);
                        None
                    }
                    Err(e) => Some(Cmd::failed(&e)),
                }
            }
            DataReply::Record(r) => {
                self.loading = false;
                match r {
                    Ok(rec) => {
                        self.record = Some(rec);
                        self.pane = Pane::Detail;
                        self.detail_scroll = 0;
                        None
                    }
                    Err(e) => Some(Cmd::failed(&e)),
                }
            }
            DataReply::EditForm(table, key, r) => match r {
                Ok(form) => {
                    self.editor = Some(Editor::edit(table, key, form));
                    None
                }
                Err(e) => Some(Cmd::failed(&e)),
            },
            DataReply::Saved(r) => match r {
                Ok(change) => {
                    self.editor = None;
                    // The record on screen shows what was saved.
                    let reopen = match (self.pane, &self.record) {
                        (Pane::Detail, Some(r)) => Some(r.row.key.clone()),
                        _ => None,
                    };
                    let text = if change.changed.is_empty() {
                        "Nothing changed.".to_string()
                    } else {
                        format!(
                            "Saved: {}.",
                            change
                                .changed
                                .iter()
                                .map(|(f, old, new)| format!("{f} {old} → {new}"))
                                .collect::<Vec<_>>()
                                .join("; ")
                        )
                    };
                    let reload = self.reload_after_change(ctx, Notice::info(text));
                    match reopen {
                        Some(k) => {
                            Some(Cmd::Batch(vec![reload.unwrap_or(Cmd::Done), self.show(k)]))
                        }
                        None => reload,
                    }
                }
                Err(e) => Some(self.save_failed(&e)),
            },
            DataReply::Added(r) => match r {
                Ok(key) => {
                    let noun = self
                        .table
                        .and_then(|t| data::view_of(t).ok())
                        .map_or("record", |v| v.noun);
                    self.editor = None;
                    self.reload_after_change(ctx, Notice::info(format!("Added {noun} {key}.")))
                }
                Err(e) => Some(self.save_failed(&e)),
            },
            DataReply::Deleted(r) => match r {
                Ok(what) => {
                    self.pane = Pane::Rows;
                    self.record = None;
                    self.reload_after_change(ctx, Notice::info(format!("Deleted {what}.")))
                }
                Err(e) => Some(Cmd::failed(&e)),
            },
            DataReply::Matches(i, r) => match r {
                Ok(m) => {
                    if let Some(ed) = self.editor.as_mut()
                        && ed.form.focus == i
                    {
                        ed.matches = m;
                    }
                    None
                }
                Err(e) => Some(Cmd::failed(&e)),
            },
            DataReply::Exported(path, r) => Some(match r {
                Ok(rows) => Cmd::Notice(Notice::info(format!(
                    "Exported {} rows to {}",
                    crate::text::group_digits(rows),
                    path.display()
                ))),
                Err(e) => Cmd::failed(&e),
            }),
        }
    }

    /// Says what happened, and reloads the page behind the message.
    fn reload_after_change(&mut self, ctx: &Ctx, notice: Notice) -> Option<Cmd> {
        let offset = self.page.as_ref().map_or(0, |p| p.offset);
        let reload = self.load(ctx, offset, Land::At(self.cursor));
        Some(Cmd::Batch(vec![Cmd::Notice(notice), reload]))
    }
}
