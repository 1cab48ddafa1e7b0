//! Properties of the core's parsed types, over generated inputs: labels and amounts round-trip
//! exactly, drop-frame labels never name a skipped frame, and no parser panics on any text.
use postflow_core::integrity::VolumeLabel;
use postflow_core::money::{Currency, Money};
use postflow_core::project::Code;
use postflow_core::timecode::{FrameRate, Timecode};
use proptest::prelude::*;

/// The rates post houses meet, with whether drop-frame labels exist at them.
fn rates() -> impl Strategy<Value = (FrameRate, bool)> {
    prop_oneof![
        Just((FrameRate::new(24, 1).unwrap(), false)),
        Just((FrameRate::new(24000, 1001).unwrap(), false)),
        Just((FrameRate::new(25, 1).unwrap(), false)),
        Just((FrameRate::new(30000, 1001).unwrap(), false)),
        Just((FrameRate::new(30000, 1001).unwrap(), true)),
        Just((FrameRate::new(50, 1).unwrap(), false)),
        Just((FrameRate::new(60000, 1001).unwrap(), true)),
    ]
}

proptest! {
    #[test]
    fn a_timecode_label_names_exactly_its_frame((rate, df) in rates(), seed in any::<u64>()) {
        let frames = seed % Timecode::frames_per_day(rate, df);
        let tc = Timecode::from_frames(frames, rate, df).unwrap();
        let label = tc.to_string();
        let back = Timecode::parse(&label, rate).unwrap();
        prop_assert_eq!(back.frames(), frames, "{}", label);
        prop_assert_eq!(back.is_drop_frame(), df);
        prop_assert_eq!(Timecode::from_parts(tc.parts(), rate, df).unwrap().frames(), frames);
    }

    #[test]
    fn drop_frame_labels_skip_the_first_frames_of_most_minutes((rate, _) in rates(), seed in any::<u64>()) {
        if let Some(dropped) = rate.drop_frames_per_minute() {
            let frames = seed % Timecode::frames_per_day(rate, true);
            let p = Timecode::from_frames(frames, rate, true).unwrap().parts();
            let skipped = p.seconds == 0 && p.minutes % 10 != 0 && p.frames < dropped;
            prop_assert!(!skipped, "{:?} is a label drop-frame skips", p);
        }
    }

    #[test]
    fn consecutive_frames_have_consecutive_labels((rate, df) in rates(), seed in any::<u64>()) {
        let day = Timecode::frames_per_day(rate, df);
        let frames = seed % (day - 1);
        let a = Timecode::from_frames(frames, rate, df).unwrap();
        prop_assert_eq!(a.offset(1).frames(), frames + 1);
        prop_assert_ne!(a.to_string(), a.offset(1).to_string());
    }

    #[test]
    fn timecode_parsing_never_panics(s in "\\PC{0,24}", (rate, _) in rates()) {
        let _ = Timecode::parse(&s, rate);
        let _ = s.parse::<FrameRate>();
    }

    #[test]
    fn money_prints_and_parses_back_exactly(minor in -(1i64 << 52)..(1i64 << 52), jpy in any::<bool>()) {
        let currency = if jpy { Currency::JPY } else { Currency::EUR };
        let m = Money::from_minor(minor, currency);
        let text = m.to_string();
        let amount = text.strip_suffix(&format!(" {}", currency.code())).unwrap();
        let back = Money::parse(amount, currency).unwrap_or_else(|e| panic!("{text}: {e}"));
        prop_assert_eq!(back, m);
    }

    #[test]
    fn addition_is_exact_or_refused(a in any::<i64>(), b in any::<i64>()) {
        let sum = Money::from_minor(a, Currency::USD).checked_add(Money::from_minor(b, Currency::USD));
        match a.checked_add(b) {
            Some(s) => prop_assert_eq!(sum.unwrap(), Money::from_minor(s, Currency::USD)),
            None => prop_assert!(sum.is_err()),
        }
    }

    #[test]
    fn text_parsers_never_panic(s in "\\PC{0,40}") {
        let _ = Money::parse(&s, Currency::EUR);
        let _ = Currency::parse(&s);
        if let Ok(code) = Code::parse(&s) {
            // A parsed code parses to itself.
            prop_assert_eq!(Code::parse(code.as_str()).unwrap(), code);
        }
        if let Ok(label) = VolumeLabel::parse(&s) {
            prop_assert_eq!(VolumeLabel::parse(label.as_str()).unwrap(), label);
        }
    }
}
