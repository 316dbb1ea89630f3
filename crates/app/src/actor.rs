//! Who is acting: a signed-in user, as the adapter authenticated them.

use medicaledu_domain::{Id, Role};
use medicaledu_store::users::UserRow;

use crate::error::Forbidden;

/// A live, active account with a live session.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user: UserRow,
    pub session_id: Id,
}

impl Actor {
    pub fn id(&self) -> Id {
        self.user.id
    }

    pub fn role(&self) -> Role {
        self.user.role
    }

    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    pub fn is(&self, role: Role) -> bool {
        self.user.role == role
    }

    /// Refuses actors who are not administrators.
    pub fn require_admin(&self) -> Result<(), Forbidden> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(Forbidden("This needs an administrator."))
        }
    }
}
