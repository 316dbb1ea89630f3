//! Who is acting: a signed-in user, as the adapter authenticated them.

use medicaledu_domain::{Id, Role};
use medicaledu_store::users::UserRow;

use crate::error::Forbidden;

/// A live, active account with a live session.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user: UserRow,
    pub session_id: Id,
    /// The session may do nothing but set up a second factor: an
    /// administrator without one while the operator requires it. Such an
    /// actor is not treated as an administrator anywhere.
    pub must_enrol_second_factor: bool,
}

impl Actor {
    pub fn id(&self) -> Id {
        self.user.id
    }

    pub fn role(&self) -> Role {
        self.user.role
    }

    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin && !self.must_enrol_second_factor
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
