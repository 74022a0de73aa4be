//! Double-entry ledger postings.

use money::Amount;

/// A posting: debit and credit of the same amount.
pub fn post(amount: Amount) -> (Amount, Amount) {
    (
        Amount {
            minor: -amount.minor,
            ..amount
        },
        amount,
    )
}
