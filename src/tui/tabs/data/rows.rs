//! The Data tab's keys on a table's rows and on a record: moving and paging, sorting by a
//! column's number, the search field, export of what is listed, edit and delete.

use crossterm::event::{KeyCode, KeyEvent};

use super::{Cmd, Ctx, DataReply, DataTab, Land, Notice, Pane, Permission, page_rows};
use crate::store::data::{self, Direction, ListQuery};
use crate::tui::work::Work;

impl DataTab {
    pub(super) fn rows_key(&mut self, key: &KeyEvent, ctx: &Ctx) -> Option<Cmd> {
        let (offset, len, total) = self
            .page
            .as_ref()
            .map_or((0, 0, 0), |p| (p.offset, p.rows.len() as u64, p.total));
        let rows = page_rows(ctx.size);
        let last_offset = total.saturating_sub(rows);
        // Where the next page key pages on from: the page asked for, else the one shown.
        let base = self.asked.unwrap_or(offset);
        if self.picking_sort {
            self.picking_sort = false;
            if let (KeyCode::Char(c), Some(page)) = (key.code, &self.page)
                && let Some(n) = c.to_digit(10).filter(|n| *n > 0)
            {
                // Any column by its number, a hidden one too (it is shown once sorted by).
                if let Some(col) = page.view.columns.get(n as usize - 1) {
                    let name = col.name.to_string();
                    let dir = match page.sort {
                        (c, Direction::Ascending) if c == n as usize - 1 => Direction::Descending,
                        _ => Direction::Ascending,
                    };
                    self.sort = Some((name, dir));
                    // The same rows in another order: their count stands.
                    return Some(self.load_with(ctx, 0, Land::First, true));
                }
                return Some(Cmd::Notice(Notice::error(format!(
                    "{} has {} columns: press 1 to {}",
                    page.view.table,
                    page.view.columns.len(),
                    page.view.columns.len()
                ))));
            }
            return Some(Cmd::Done);
        }
        Some(match key.code {
            KeyCode::Down | KeyCode::Char('j') => {
                if (self.cursor as u64) + 1 < len {
                    self.cursor += 1;
                    Cmd::Done
                } else if offset + len < total {
                    self.load_with(ctx, offset + len, Land::First, true)
                } else {
                    Cmd::Done
                }
            }
            KeyCode::Up | KeyCode::Char('k') => {
                if self.cursor > 0 {
                    self.cursor -= 1;
                    Cmd::Done
                } else if offset > 0 {
                    self.load_with(ctx, offset.saturating_sub(rows), Land::Last, true)
                } else {
                    Cmd::Done
                }
            }
            KeyCode::PageDown if base + len.max(rows) < total => self.load_with(
                ctx,
                (base + rows).min(last_offset),
                Land::At(self.cursor),
                true,
            ),
            KeyCode::PageUp if base > 0 => {
                self.load_with(ctx, base.saturating_sub(rows), Land::At(self.cursor), true)
            }
            KeyCode::Home | KeyCode::Char('g') => self.load_with(ctx, 0, Land::First, true),
            KeyCode::End | KeyCode::Char('G') => self.load_with(ctx, last_offset, Land::Last, true),
            KeyCode::Char('/') => {
                self.searching = true;
                self.search.select();
                Cmd::Done
            }
            KeyCode::Char('s') => {
                self.picking_sort = true;
                Cmd::Notice(Notice::info(
                    "Sort: press a column's number (hidden ones too); the same again reverses it.",
                ))
            }
            KeyCode::Char('r') => self.load(ctx, offset, Land::At(self.cursor)),
            KeyCode::Char('x') => self.export(ctx),
            KeyCode::Char('n') if !ctx.role.allows(Permission::EditRecords) => {
                Cmd::Notice(Notice::error(format!(
                    "permission denied: {}s may not add records",
                    ctx.role
                )))
            }
            KeyCode::Char('n') => self.new_record(),
            KeyCode::Enter => match self.selected_key() {
                Some(k) => self.show(k),
                None => Cmd::Done,
            },
            KeyCode::Esc if self.applied_search.is_some() => {
                self.applied_search = None;
                self.search.value.clear();
                self.load(ctx, 0, Land::First)
            }
            KeyCode::Esc | KeyCode::Backspace => {
                self.pane = Pane::Tables;
                self.page = None;
                self.table = None;
                Cmd::Done
            }
            _ => return self.record_key(key, ctx),
        })
    }

    /// Keys on a record (in the list or its detail): edit, delete.
    pub(super) fn record_key(&mut self, key: &KeyEvent, ctx: &Ctx) -> Option<Cmd> {
        Some(match key.code {
            KeyCode::Char('e') => {
                if !ctx.role.allows(Permission::EditRecords) {
                    return Some(Cmd::Notice(Notice::error(format!(
                        "permission denied: {}s may not edit records",
                        ctx.role
                    ))));
                }
                let (Some(table), Some(k)) = (self.table, self.selected_key()) else {
                    return Some(Cmd::Done);
                };
                Cmd::Run(Work::new("form", move |w| {
                    let r = data::edit_form(w.auth, w.actor, table, &k);
                    DataReply::EditForm(table, k, r)
                }))
            }
            KeyCode::Char('d') if !ctx.role.allows(Permission::DeleteRecords) => {
                Cmd::Notice(Notice::error(format!(
                    "permission denied: {}s may not delete records (Administrators do)",
                    ctx.role
                )))
            }
            KeyCode::Char('d') => match self.selected_name() {
                Some(named) => {
                    self.confirm = Some(named);
                    Cmd::Done
                }
                None => Cmd::Done,
            },
            _ => return None,
        })
    }

    /// A key while the search field has the keyboard: Enter searches, Esc stops typing.
    pub(super) fn search_key(&mut self, key: &KeyEvent, ctx: &Ctx) -> Cmd {
        match key.code {
            KeyCode::Enter => {
                self.searching = false;
                let text = self.search.value.trim().to_string();
                self.applied_search = (!text.is_empty()).then_some(text);
                return self.load(ctx, 0, Land::First);
            }
            KeyCode::Esc => self.searching = false,
            _ => {
                self.search.handle(key);
            }
        }
        Cmd::Done
    }

    fn export(&mut self, ctx: &Ctx) -> Cmd {
        let Some(table) = self.table else {
            return Cmd::Done;
        };
        let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
        let path = ctx
            .data_dir
            .join("exports")
            .join(format!("{table}-{stamp}.csv"));
        let q = ListQuery {
            table: table.to_string(),
            search: self.applied_search.clone(),
            sort: self.sort.clone(),
            offset: 0,
            limit: data::MAX_PAGE,
            known_total: None,
        };
        Cmd::Run(Work::new("export", move |w| {
            let r = data::export_csv(w.auth, w.actor, &q, &path);
            DataReply::Exported(path, r)
        }))
    }
}
