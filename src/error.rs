//! The crate's error type: every failure a caller can handle, each with a message a
//! person understands (it is shown verbatim on screens and on stderr in command mode).

use thiserror::Error;

/// Everything that can go wrong inside camp, phrased for the person who asked.
#[derive(Debug, Error)]
pub enum Error {
    /// The caller's input was not acceptable; the message says why and what to do.
    #[error("{0}")]
    Invalid(String),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The thing asked for does not exist (or the caller may not know it exists).
    #[error("{0}")]
    NotFound(String),
    /// The SSH key presented has no account here.
    #[error("this key has no account here; join with an invite: ssh {host} join CODE NAME --agree")]
    NoAccount {
        /// How the camp is reached, for the hint.
        host: String,
    },
    /// The account was suspended by the camp's moderators.
    #[error("your account on this camp is suspended{contact}")]
    Suspended {
        /// ", contact ..." or empty.
        contact: String,
    },
    /// The code of conduct changed since the account last accepted it.
    #[error(
        "the code of conduct has changed: read it with `coc show` and accept it with `coc accept` (or in the app) to go on"
    )]
    CocChanged,
    /// Too many actions in too short a time.
    #[error("{0}")]
    RateLimited(String),
    /// The embedded database failed.
    #[error("storage error: {0}")]
    Store(#[from] sled::Error),
    /// A stored record could not be decoded (corruption or a newer format).
    #[error("stored record is unreadable: {0}")]
    Codec(String),
    /// File-system trouble (keys, config).
    #[error("{context}: {source}")]
    Io {
        /// What camp was doing.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The configuration is not usable.
    #[error("configuration: {0}")]
    Config(String),
}

impl Error {
    /// Shorthand for an [`Error::Invalid`].
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(msg.into())
    }
    /// Shorthand for an [`Error::Forbidden`].
    pub fn forbidden(msg: impl Into<String>) -> Self {
        Error::Forbidden(msg.into())
    }
    /// Shorthand for an [`Error::NotFound`].
    pub fn not_found(msg: impl Into<String>) -> Self {
        Error::NotFound(msg.into())
    }
    /// Wraps an I/O error with what camp was doing at the time.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

impl From<sled::transaction::TransactionError<Error>> for Error {
    fn from(e: sled::transaction::TransactionError<Error>) -> Self {
        match e {
            sled::transaction::TransactionError::Abort(e) => e,
            sled::transaction::TransactionError::Storage(e) => Error::Store(e),
        }
    }
}

/// The crate's result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;
