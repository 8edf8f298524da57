//! The Data tab's record form: a new record or an edit being typed, what typing a name where
//! another table's key goes looks up, and the save (an add or an edit) it sends.

use crossterm::event::{KeyCode, KeyEvent};

use super::{Cmd, DataReply, DataTab, Notice};
use crate::error::{Error, ErrorKind};
use crate::store::data::{self, EditForm, Field, Key, ListQuery};
use crate::tui::keymap::Action;
use crate::tui::widgets::form::{Form, FormEvent};
use crate::tui::widgets::input::TextInput;
use crate::tui::work::Work;

/// An edit or a new record being typed.
#[derive(Debug)]
pub struct Editor {
    pub table: &'static str,
    /// `None` for a new record.
    pub key: Option<Key>,
    pub fields: Vec<Field>,
    pub form: Form,
    /// What the edit started from (an edit only).
    pub base: Option<EditForm>,
    pub saving: bool,
    /// For a field that refers to another table: the records matching what is typed there,
    /// `(id, how it reads)`; ↑/↓ mark one, Enter takes it.
    pub matches: Vec<(i32, String)>,
    pub marked: usize,
    /// The values the form opened with: Esc asks before dropping changes to them.
    pub initial: Vec<String>,
    /// Esc on a changed form: waiting for `y` to drop the changes.
    pub confirm_drop: bool,
}

impl Editor {
    /// Whether anything differs from what the form opened with.
    pub fn changed(&self) -> bool {
        self.form
            .fields
            .iter()
            .zip(&self.initial)
            .any(|(f, v)| f.value.trim() != v.trim())
    }
}

impl Editor {
    /// The form to edit a record with, filled from what the service read (its key fields are
    /// not edited).
    pub(super) fn edit(table: &'static str, key: Key, form: EditForm) -> Editor {
        let fields: Vec<Field> = form.fields.iter().map(|(f, _)| *f).collect();
        let inputs = form
            .fields
            .iter()
            .filter(|(f, _)| !f.key)
            .map(|(f, v)| {
                let mut t = TextInput::new(f.name);
                t.value = v.clone();
                t.max_chars = 2_000;
                t
            })
            .collect();
        let inputs = Form::new(inputs);
        Editor {
            table,
            key: Some(key),
            fields: fields.into_iter().filter(|f| !f.key).collect(),
            initial: inputs.fields.iter().map(|f| f.value.clone()).collect(),
            confirm_drop: false,
            form: inputs,
            base: Some(EditForm {
                fields: form.fields.into_iter().filter(|(f, _)| !f.key).collect(),
                base: form.base,
            }),
            saving: false,
            matches: Vec::new(),
            marked: 0,
        }
    }
}

impl DataTab {
    pub(super) fn new_record(&mut self) -> Cmd {
        let Some(table) = self.table else {
            return Cmd::Done;
        };
        match data::fields(table) {
            Ok(fields) => {
                let form = Form::new(fields.iter().map(|f| TextInput::new(f.name)).collect());
                self.editor = Some(Editor {
                    table,
                    key: None,
                    initial: vec![String::new(); fields.len()],
                    confirm_drop: false,
                    fields,
                    form,
                    base: None,
                    saving: false,
                    matches: Vec::new(),
                    marked: 0,
                });
                Cmd::Done
            }
            Err(e) => Cmd::failed(&e),
        }
    }

    fn submit(&mut self) -> Cmd {
        let Some(ed) = self.editor.as_mut() else {
            return Cmd::Done;
        };
        ed.saving = true;
        let table = ed.table;
        let typed: Vec<String> = ed.form.fields.iter().map(|f| f.value.clone()).collect();
        match (&ed.key, &ed.base) {
            (Some(key), Some(base)) => {
                let (key, base) = (key.clone(), base.clone());
                Cmd::Run(
                    Work::new("save", move |w| {
                        DataReply::Saved(data::save(w.auth, w.actor, table, &key, &base, &typed))
                    })
                    .writes(),
                )
            }
            _ => {
                let values: Vec<data::FieldChange> = ed
                    .fields
                    .iter()
                    .zip(typed)
                    .filter(|(_, v)| !v.trim().is_empty())
                    .map(|(f, v)| data::FieldChange {
                        field: f.name.to_string(),
                        value: v.trim().to_string(),
                    })
                    .collect();
                Cmd::Run(
                    Work::new("save", move |w| {
                        DataReply::Added(data::add(w.auth, w.actor, table, &values))
                    })
                    .writes(),
                )
            }
        }
    }

    /// A failed save: the field to blame gets the cursor; the form stays as typed.
    pub(super) fn save_failed(&mut self, e: &Error) -> Cmd {
        if let Some(ed) = self.editor.as_mut() {
            ed.saving = false;
            if let ErrorKind::Invalid { field: Some(name) } = e.kind()
                && let Some(i) = ed.fields.iter().position(|f| f.name == name)
            {
                ed.form.focus = i;
            }
        }
        Cmd::failed(e)
    }

    /// A key while the form has the keyboard: typing, moving, saving, or taking the first
    /// record that matches a name typed where another table's key goes.
    pub(super) fn editor_key(&mut self, key: &KeyEvent, action: Option<Action>) -> Option<Cmd> {
        let ed = self.editor.as_mut()?;
        if ed.saving {
            return Some(Cmd::Done);
        }
        if ed.confirm_drop {
            ed.confirm_drop = false;
            if matches!(key.code, KeyCode::Char('y' | 'Y')) {
                self.editor = None;
                return Some(Cmd::Notice(Notice::info("Nothing was saved.")));
            }
            return Some(Cmd::Notice(Notice::info("The form is still here.")));
        }
        // On a field that refers to another table, with a name typed: ↑/↓ mark a match,
        // Enter takes the marked one.
        let i = ed.form.focus;
        let typed = ed.form.value(i).trim().to_string();
        let picking = ed.fields.get(i).is_some_and(|f| f.refers_to.is_some())
            && !typed.is_empty()
            && typed.parse::<i64>().is_err()
            && !ed.matches.is_empty();
        if picking {
            match key.code {
                KeyCode::Down => {
                    ed.marked = (ed.marked + 1).min(ed.matches.len() - 1);
                    return Some(Cmd::Done);
                }
                KeyCode::Up => {
                    ed.marked = ed.marked.saturating_sub(1);
                    return Some(Cmd::Done);
                }
                KeyCode::Enter => {
                    let id = ed.matches[ed.marked.min(ed.matches.len() - 1)].0;
                    ed.form.fields[i].value = id.to_string();
                    ed.matches.clear();
                    ed.marked = 0;
                    return Some(Cmd::Done);
                }
                _ => {}
            }
        }
        let before = (ed.form.focus, typed);
        let cmd = match ed.form.handle(key, action) {
            FormEvent::Submit => return Some(self.submit()),
            // What was typed is not dropped without asking, as in the new-order form.
            FormEvent::Cancel if ed.changed() => {
                ed.confirm_drop = true;
                return Some(Cmd::Done);
            }
            FormEvent::Cancel => {
                self.editor = None;
                return Some(Cmd::Notice(Notice::info("Nothing was saved.")));
            }
            _ => Cmd::Done,
        };
        let i = ed.form.focus;
        let now = ed.form.value(i).trim().to_string();
        if (i, now.clone()) != before {
            ed.matches.clear();
            ed.marked = 0;
            if let Some(parent) = ed.fields.get(i).and_then(|f| f.refers_to)
                && !now.is_empty()
                && now.parse::<i64>().is_err()
            {
                return Some(Cmd::Run(Work::new("matches", move |w| {
                    let q = ListQuery {
                        table: parent.to_string(),
                        search: Some(now),
                        sort: None,
                        offset: 0,
                        limit: 6,
                        known_total: None,
                    };
                    let r = data::list(w.auth, w.actor, &q).map(|p| {
                        p.rows
                            .iter()
                            .map(|r| {
                                let text: Vec<String> = r
                                    .values
                                    .iter()
                                    .skip(1)
                                    .take(3)
                                    .map(|v| v.display())
                                    .collect();
                                (r.key.0[0], text.join(" · "))
                            })
                            .collect()
                    });
                    DataReply::Matches(i, r)
                })));
            }
        }
        Some(cmd)
    }
}
