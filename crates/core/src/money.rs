//! Money as integer minor units of one currency. No floats anywhere near it.
use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 currency code with its number of minor-unit digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Currency {
    code: [u8; 3],
    minor_digits: u8,
}

impl Currency {
    pub const EUR: Currency = Currency {
        code: *b"EUR",
        minor_digits: 2,
    };
    pub const USD: Currency = Currency {
        code: *b"USD",
        minor_digits: 2,
    };
    pub const GBP: Currency = Currency {
        code: *b"GBP",
        minor_digits: 2,
    };
    pub const JPY: Currency = Currency {
        code: *b"JPY",
        minor_digits: 0,
    };

    pub fn parse(code: &str) -> Result<Currency, MoneyError> {
        match code.trim().to_ascii_uppercase().as_str() {
            "EUR" => Ok(Self::EUR),
            "USD" => Ok(Self::USD),
            "GBP" => Ok(Self::GBP),
            "JPY" => Ok(Self::JPY),
            "CHF" => Ok(Currency {
                code: *b"CHF",
                minor_digits: 2,
            }),
            "CAD" => Ok(Currency {
                code: *b"CAD",
                minor_digits: 2,
            }),
            "AUD" => Ok(Currency {
                code: *b"AUD",
                minor_digits: 2,
            }),
            "SEK" => Ok(Currency {
                code: *b"SEK",
                minor_digits: 2,
            }),
            "NOK" => Ok(Currency {
                code: *b"NOK",
                minor_digits: 2,
            }),
            "DKK" => Ok(Currency {
                code: *b"DKK",
                minor_digits: 2,
            }),
            other => Err(MoneyError::UnknownCurrency(other.to_string())),
        }
    }

    pub fn code(&self) -> &str {
        // The code is always three ASCII letters by construction.
        std::str::from_utf8(&self.code).unwrap_or("???")
    }

    pub fn minor_digits(&self) -> u8 {
        self.minor_digits
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("unknown currency code {0:?}; use an ISO 4217 code such as EUR or USD")]
    UnknownCurrency(String),
    #[error("{0:?} is not an amount; write it like 1250.00")]
    NotAnAmount(String),
    #[error("{input:?} has more decimal places than {currency} allows ({digits})")]
    TooPrecise {
        input: String,
        currency: String,
        digits: u8,
    },
    #[error("cannot combine amounts in {0} and {1}")]
    CurrencyMismatch(String, String),
    #[error("amount overflow")]
    Overflow,
}

/// An exact amount: `minor` units (cents, pence…) of `currency`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn from_minor(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// Parses a decimal string such as `1250`, `1250.5` or `-12.05` exactly.
    pub fn parse(input: &str, currency: Currency) -> Result<Money, MoneyError> {
        let s = input.trim().replace(['_', ','], "");
        let not_amount = || MoneyError::NotAnAmount(input.to_string());
        let (negative, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.as_str()),
        };
        let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
        if whole.is_empty() && frac.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(not_amount());
        }
        let digits = currency.minor_digits as usize;
        let frac_trimmed = frac.trim_end_matches('0');
        if frac_trimmed.len() > digits {
            return Err(MoneyError::TooPrecise {
                input: input.to_string(),
                currency: currency.code().to_string(),
                digits: currency.minor_digits,
            });
        }
        let scale = 10i64.pow(digits as u32);
        let whole_v: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| MoneyError::Overflow)?
        };
        let mut frac_v: i64 = 0;
        for i in 0..digits {
            let d = frac_trimmed
                .as_bytes()
                .get(i)
                .map(|b| (b - b'0') as i64)
                .unwrap_or(0);
            frac_v = frac_v * 10 + d;
        }
        let minor = whole_v
            .checked_mul(scale)
            .and_then(|v| v.checked_add(frac_v))
            .ok_or(MoneyError::Overflow)?;
        Ok(Money {
            minor: if negative { -minor } else { minor },
            currency,
        })
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(
                self.currency.code().into(),
                other.currency.code().into(),
            ));
        }
        Ok(Money {
            minor: self
                .minor
                .checked_add(other.minor)
                .ok_or(MoneyError::Overflow)?,
            currency: self.currency,
        })
    }

    /// Multiplies by a rational quantity (e.g. 7.5 hours = 15/2), rounding half away from zero
    /// to the minor unit, as invoices do.
    pub fn mul_ratio(self, numerator: i64, denominator: i64) -> Result<Money, MoneyError> {
        if denominator == 0 {
            return Err(MoneyError::Overflow);
        }
        let product = (self.minor as i128) * (numerator as i128);
        let d = denominator as i128;
        let q = product / d;
        let r = product % d;
        let rounded = if 2 * r.abs() >= d.abs() {
            q + product.signum() * d.signum()
        } else {
            q
        };
        Ok(Money {
            minor: i64::try_from(rounded).map_err(|_| MoneyError::Overflow)?,
            currency: self.currency,
        })
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.currency.minor_digits as u32;
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        if digits == 0 {
            return write!(f, "{sign}{abs} {}", self.currency.code());
        }
        let scale = 10u64.pow(digits);
        write!(
            f,
            "{sign}{}.{:0width$} {}",
            abs / scale,
            abs % scale,
            self.currency.code(),
            width = digits as usize
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly_and_formats_back() {
        let m = Money::parse("1250.5", Currency::EUR).unwrap();
        assert_eq!(m.minor, 125050);
        assert_eq!(m.to_string(), "1250.50 EUR");
        assert_eq!(
            Money::parse("-0.05", Currency::USD).unwrap().to_string(),
            "-0.05 USD"
        );
        assert_eq!(
            Money::parse("1,000", Currency::JPY).unwrap().to_string(),
            "1000 JPY"
        );
    }

    #[test]
    fn rejects_bad_amounts() {
        assert!(matches!(
            Money::parse("12.345", Currency::EUR),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert!(matches!(
            Money::parse("abc", Currency::EUR),
            Err(MoneyError::NotAnAmount(_))
        ));
        assert!(matches!(
            Money::parse("", Currency::EUR),
            Err(MoneyError::NotAnAmount(_))
        ));
        assert!(Money::parse("99999999999999999999", Currency::EUR).is_err());
    }

    #[test]
    fn multiplies_with_half_away_from_zero_rounding() {
        let rate = Money::parse("85.00", Currency::EUR).unwrap();
        // 7.5 h at 85.00 = 637.50
        assert_eq!(rate.mul_ratio(15, 2).unwrap().minor, 63750);
        // 0.333… of 0.01 rounds to 0.00; 0.5 of 0.01 rounds away from zero.
        let cent = Money::from_minor(1, Currency::EUR);
        assert_eq!(cent.mul_ratio(1, 3).unwrap().minor, 0);
        assert_eq!(cent.mul_ratio(1, 2).unwrap().minor, 1);
        assert_eq!(
            Money::from_minor(-1, Currency::EUR)
                .mul_ratio(1, 2)
                .unwrap()
                .minor,
            -1
        );
    }

    #[test]
    fn refuses_mixed_currencies() {
        let a = Money::from_minor(1, Currency::EUR);
        let b = Money::from_minor(1, Currency::USD);
        assert!(a.checked_add(b).is_err());
    }
}
