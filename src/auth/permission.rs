//! Roles and the permission matrix of DESIGN §4. Checked inside the services, never only in
//! a front end.

use std::fmt;

/// A user's role.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Employee,
    Manager,
    Administrator,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Employee, Role::Manager, Role::Administrator];

    /// The stored name (`employee`, `manager`, `administrator`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Employee => "employee",
            Role::Manager => "manager",
            Role::Administrator => "administrator",
        }
    }

    /// Parses a stored or typed role name (case-insensitive; `admin` is accepted).
    pub fn parse(text: &str) -> Option<Role> {
        match text.trim().to_ascii_lowercase().as_str() {
            "employee" => Some(Role::Employee),
            "manager" => Some(Role::Manager),
            "administrator" | "admin" => Some(Role::Administrator),
            _ => None,
        }
    }

    /// Whether this role holds `p`.
    pub fn allows(self, p: Permission) -> bool {
        use Permission::*;
        match p {
            ViewData | ExportData | CreateOrders => true,
            ImportCsv | EditRecords | ViewUsers | ViewAudit | ManageStock | CloseDay => {
                self >= Role::Manager
            }
            DeleteRecords | ImportApi | ManageSchema | TestConnection | ManageUsers
            | ChangeSettings | PruneAudit => self == Role::Administrator,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Role::Employee => "Employee",
            Role::Manager => "Manager",
            Role::Administrator => "Administrator",
        };
        f.write_str(s)
    }
}

/// Something a role may or may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// View the dashboard and browse data.
    ViewData,
    /// Export data (CSV, JSON) and PDF reports.
    ExportData,
    /// Create orders and advance an order's status.
    CreateOrders,
    /// Import CSV files.
    ImportCsv,
    /// Edit records.
    EditRecords,
    /// View the user list.
    ViewUsers,
    /// View the audit log.
    ViewAudit,
    /// Receive, transfer and count stock.
    ManageStock,
    /// Close a store's day (the Z close).
    CloseDay,
    /// Delete records.
    DeleteRecords,
    /// Import from a REST API.
    ImportApi,
    /// Run migrations.
    ManageSchema,
    /// Test the database connection from the ETL tab.
    TestConnection,
    /// Create and manage users, unlock, reset passwords and 2FA.
    ManageUsers,
    /// Change settings.
    ChangeSettings,
    /// Remove old events from the audit trail.
    PruneAudit,
}

impl Permission {
    pub const ALL: [Permission; 16] = [
        Permission::ViewData,
        Permission::ExportData,
        Permission::CreateOrders,
        Permission::ImportCsv,
        Permission::EditRecords,
        Permission::ViewUsers,
        Permission::ViewAudit,
        Permission::ManageStock,
        Permission::CloseDay,
        Permission::DeleteRecords,
        Permission::ImportApi,
        Permission::ManageSchema,
        Permission::TestConnection,
        Permission::ManageUsers,
        Permission::ChangeSettings,
        Permission::PruneAudit,
    ];

    /// How the permission reads in a "permission denied" message.
    pub fn describe(self) -> &'static str {
        match self {
            Permission::ViewData => "view data",
            Permission::ExportData => "export data",
            Permission::CreateOrders => "create or advance orders",
            Permission::ImportCsv => "import CSV files",
            Permission::EditRecords => "edit records",
            Permission::ViewUsers => "view users",
            Permission::ViewAudit => "view the audit log",
            Permission::ManageStock => "receive, transfer or count stock",
            Permission::CloseDay => "close a store's day",
            Permission::DeleteRecords => "delete records",
            Permission::ImportApi => "import from an API",
            Permission::ManageSchema => "run migrations",
            Permission::TestConnection => "test the database connection",
            Permission::ManageUsers => "manage users",
            Permission::ChangeSettings => "change settings",
            Permission::PruneAudit => "prune the audit trail",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_matches_the_design() {
        use Permission::*;
        let expect = |p: Permission| -> [bool; 3] {
            match p {
                ViewData | ExportData | CreateOrders => [true, true, true],
                ImportCsv | EditRecords | ViewUsers | ViewAudit | ManageStock | CloseDay => {
                    [false, true, true]
                }
                _ => [false, false, true],
            }
        };
        for p in Permission::ALL {
            let got = Role::ALL.map(|r| r.allows(p));
            assert_eq!(got, expect(p), "{p:?}");
        }
        assert_eq!(Role::parse("Admin"), Some(Role::Administrator));
        assert_eq!(Role::parse(" MANAGER "), Some(Role::Manager));
        assert_eq!(Role::parse("root"), None);
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
