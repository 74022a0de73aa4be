//! Money arithmetic for every service that moves money.

/// An amount in minor units (cents) of one currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Amount {
    pub minor: i64,
    pub currency: [u8; 3],
}

/// Applies a fee in basis points, rounding half away from zero.
pub fn apply_fee(amount: Amount, basis_points: i64) -> Amount {
    let fee = (amount.minor * basis_points + 5_000) / 10_000;
    Amount {
        minor: amount.minor + fee,
        ..amount
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fee_rounds() {
        let a = Amount {
            minor: 10_000,
            currency: *b"EUR",
        };
        assert_eq!(apply_fee(a, 150).minor, 10_150);
    }
}
