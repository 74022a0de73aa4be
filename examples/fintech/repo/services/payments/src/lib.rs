//! Card acceptance: authorise, capture, refund.

use money::Amount;

/// The amount captured for an authorisation, fee included.
pub fn capture(amount: Amount, fee_bp: i64) -> Amount {
    money::apply_fee(amount, fee_bp)
}
