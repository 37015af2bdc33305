//! The users service's API errors, each mapped to a problem+json response.
//!
//! Handlers return `Result<_, ApiError>`; `?` converts repository and domain
//! errors. Each variant's doc says the status it becomes. This is the only
//! place that decides statuses, so the OpenAPI document and behaviour agree.

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use capstone_platform::{FieldError, Problem};
use uuid::Uuid;

use crate::{
    domain::InvalidValue,
    idempotency::{InvalidKey, StoreError},
    repo::RepoError,
};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 401: no access token, or one that does not verify. Never says which.
    #[error("authentication required")]
    Unauthenticated,
    /// 401: login with an unknown email or a wrong password (same answer for both).
    #[error("invalid email or password")]
    InvalidCredentials,
    /// 401: a refresh token that is unknown, expired, used or revoked.
    #[error("invalid refresh token")]
    InvalidRefreshToken,
    /// 429: too many failed logins for this account or address; retry later.
    #[error("too many failed logins")]
    TooManyLoginAttempts { retry_after_secs: u64 },
    /// 403: an email link's token is forged, expired, for another purpose,
    /// already used, or for an address or password that has since changed.
    /// 403 and not 400: the request is well formed; the link it presents
    /// does not authorise it.
    #[error("invalid or expired link")]
    InvalidLink,
    /// 403: authenticated, but the role does not allow this.
    #[error("not allowed")]
    Forbidden,
    /// 403: an admin changing their own role or suspending themselves;
    /// another admin must do it (nobody locks themselves out by mistake).
    #[error("an admin cannot change their own role or suspend themselves")]
    SelfAdministration,
    /// 403: an email change through PATCH on one's own account: it needs
    /// the password and a confirmation from the new address instead.
    #[error("changing one's own address needs re-authentication")]
    ReauthenticationRequired,
    /// 403: the current password given to confirm a change is wrong. Not a
    /// 422: the request is valid; it just does not prove who is asking.
    #[error("the current password is wrong")]
    WrongPassword { field: &'static str },
    /// 403: the right password for a suspended account.
    #[error("the account is disabled")]
    AccountDisabled,
    /// 404: no user has this id.
    #[error("no user with id {0}")]
    UserNotFound(Uuid),
    /// 404: the caller has no live session with this id.
    #[error("no session with id {0}")]
    SessionNotFound(Uuid),
    /// 409: another account uses this email address.
    #[error("the email address is already registered")]
    EmailTaken,
    /// 409: the change would leave no active admin.
    #[error("the last active admin cannot be demoted, disabled or deleted")]
    LastAdmin,
    /// 409: a verification email was asked for, but the address is verified.
    #[error("the email address is already verified")]
    AlreadyVerified,
    /// 422: input that passed parsing but not a rule (one entry per field).
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// 400: an `Idempotency-Key` header that is not a key (the field names it).
    #[error("invalid Idempotency-Key header: {0}")]
    InvalidIdempotencyKey(InvalidKey),
    /// 409 (with `Retry-After`): the first request with this key is still running.
    #[error("a request with this idempotency key is still running")]
    IdempotencyKeyInFlight,
    /// 422: the key was sent before with another request (method, path or body).
    #[error("the idempotency key was used for another request")]
    IdempotencyKeyReused,
    /// 503: a request with an `Idempotency-Key`, and Redis, where keys
    /// live, does not answer: the promise cannot be kept, so nothing runs.
    #[error("the idempotency-key store is unavailable")]
    IdempotencyUnavailable(#[source] StoreError),
    /// 503: Postgres is unreachable; retrying later may work.
    #[error("the database is unavailable")]
    DatabaseUnavailable(#[source] RepoError),
    /// 500: a bug or an unexpected answer from a dependency. Details go to
    /// the log only.
    #[error("unexpected failure")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl ApiError {
    /// 500 for any unexpected error.
    pub fn internal(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        ApiError::Internal(Box::new(error))
    }

    /// 422 for one field.
    pub fn invalid_field(field: &str, invalid: &InvalidValue) -> Self {
        ApiError::Invalid(vec![FieldError::new(
            &[field],
            invalid.code,
            invalid.message,
        )])
    }

    /// Maps a repository error for an operation on user `id`.
    pub fn from_repo(id: Uuid) -> impl FnOnce(RepoError) -> ApiError {
        move |error| match error {
            RepoError::NotFound => ApiError::UserNotFound(id),
            other => other.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(_) => ApiError::IdempotencyUnavailable(error),
            StoreError::Corrupt(_) => ApiError::internal(error),
        }
    }
}

impl From<RepoError> for ApiError {
    fn from(error: RepoError) -> Self {
        match error {
            RepoError::EmailTaken => ApiError::EmailTaken,
            RepoError::LastAdmin => ApiError::LastAdmin,
            RepoError::Unavailable(_) => ApiError::DatabaseUnavailable(error),
            // NotFound without an id to report is a bug in the caller.
            RepoError::NotFound
            | RepoError::CorruptRow(_)
            | RepoError::Query(_)
            | RepoError::Announce(_) => ApiError::internal(error),
        }
    }
}

// ANCHOR: api_error_to_problem
impl ApiError {
    pub fn to_problem(&self) -> Problem {
        match self {
            ApiError::Unauthenticated => Problem::from_status(StatusCode::UNAUTHORIZED)
                .with_detail("Send a valid access token: `Authorization: Bearer <token>`."),
            ApiError::InvalidCredentials => Problem::new(
                "invalid-credentials",
                "Invalid credentials",
                StatusCode::UNAUTHORIZED,
            )
            .with_detail("The email or the password is wrong."),
            ApiError::InvalidRefreshToken => Problem::new(
                "invalid-refresh-token",
                "Invalid refresh token",
                StatusCode::UNAUTHORIZED,
            )
            .with_detail("The refresh token is unknown, expired or revoked: log in again."),
            ApiError::TooManyLoginAttempts { retry_after_secs } => Problem::new(
                "too-many-login-attempts",
                "Too many failed logins",
                StatusCode::TOO_MANY_REQUESTS,
            )
            .with_detail(format!(
                "Too many failed logins for this account or address; try again in {retry_after_secs} s."
            )),
            ApiError::InvalidLink => Problem::new(
                "invalid-link",
                "Invalid or expired link",
                StatusCode::FORBIDDEN,
            )
            .with_detail("The link is invalid, expired or already used: ask for a new one."),
            ApiError::Forbidden => Problem::from_status(StatusCode::FORBIDDEN)
                .with_detail("Your role does not allow this."),
            ApiError::SelfAdministration => Problem::new(
                "self-administration",
                "Ask another admin",
                StatusCode::FORBIDDEN,
            )
            .with_detail("Admins cannot change their own role or suspend themselves; another admin can."),
            ApiError::ReauthenticationRequired => Problem::new(
                "reauthentication-required",
                "Confirm it is you",
                StatusCode::FORBIDDEN,
            )
            .with_detail(
                "Change your own address with POST /api/v1/users/me/email, \
                 with your current password; a link to the new address confirms it.",
            ),
            ApiError::WrongPassword { field } => Problem {
                errors: vec![FieldError::new(&[field], "mismatch", "is not the current password")],
                ..Problem::new("wrong-password", "Wrong password", StatusCode::FORBIDDEN)
                    .with_detail("The current password is wrong; the change was not made.")
            },
            ApiError::AccountDisabled => Problem::new(
                "account-disabled",
                "Account disabled",
                StatusCode::FORBIDDEN,
            )
            .with_detail("An admin has suspended this account."),
            ApiError::LastAdmin => Problem::new(
                "last-admin",
                "The last admin must stay",
                StatusCode::CONFLICT,
            )
            .with_detail("This is the only active admin: promote another user first."),
            ApiError::UserNotFound(id) => Problem::from_status(StatusCode::NOT_FOUND)
                .with_detail(format!("No user has id {id}.")),
            ApiError::SessionNotFound(id) => Problem::new(
                "session-not-found",
                "No such session",
                StatusCode::NOT_FOUND,
            )
            .with_detail(format!("You have no session with id {id}; it may have ended already.")),
            ApiError::EmailTaken => Problem::new(
                "email-taken",
                "Email address already registered",
                StatusCode::CONFLICT,
            )
            .with_detail("Another account uses this email address."),
            ApiError::AlreadyVerified => Problem::new(
                "already-verified",
                "Email address already verified",
                StatusCode::CONFLICT,
            )
            .with_detail("This account's address is verified; there is nothing to confirm."),
            ApiError::Invalid(errors) => Problem::validation(errors.clone()),
            ApiError::InvalidIdempotencyKey(reason) => Problem {
                errors: vec![FieldError::new(&["Idempotency-Key"], reason.code(), reason.to_string())],
                ..Problem::new("invalid-idempotency-key", "Invalid Idempotency-Key header", StatusCode::BAD_REQUEST)
                    .with_detail("The Idempotency-Key header must be 1 to 255 visible ASCII characters.")
            },
            ApiError::IdempotencyKeyInFlight => Problem::new(
                "idempotency-key-in-flight",
                "A request with this key is in progress",
                StatusCode::CONFLICT,
            )
            .with_detail("The first request with this Idempotency-Key has not finished; retry shortly to get its response."),
            ApiError::IdempotencyKeyReused => Problem::new(
                "idempotency-key-reused",
                "Idempotency key reused",
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .with_detail("This Idempotency-Key was sent with another request (method, path or body): use a new key for a new request."),
            ApiError::IdempotencyUnavailable(cause) => {
                Problem::dependency_unavailable("The idempotency-key store", cause)
            }
            ApiError::DatabaseUnavailable(cause) => {
                Problem::dependency_unavailable("The database", cause)
            }
            ApiError::Internal(cause) => Problem::internal(cause.as_ref()),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.to_problem().status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let retry_after = match self {
            ApiError::TooManyLoginAttempts { retry_after_secs } => Some(*retry_after_secs),
            // The first request is usually a few milliseconds from done.
            ApiError::IdempotencyKeyInFlight => Some(1),
            _ => None,
        };
        let mut response = match retry_after {
            Some(secs) => self
                .to_problem()
                .to_response_retrying_after(std::time::Duration::from_secs(secs)),
            None => self.to_problem().to_response(),
        };
        // RFC 9110: every 401 names the scheme to use; RFC 6750 adds why.
        let challenge = match self {
            ApiError::Unauthenticated => Some("Bearer error=\"invalid_token\""),
            ApiError::InvalidCredentials | ApiError::InvalidRefreshToken => {
                Some("Bearer realm=\"capstone\"")
            }
            _ => None,
        };
        if let Some(challenge) = challenge {
            response.headers_mut().insert(
                actix_web::http::header::WWW_AUTHENTICATE,
                actix_web::http::header::HeaderValue::from_static(challenge),
            );
        }
        response
    }
}
// ANCHOR_END: api_error_to_problem
