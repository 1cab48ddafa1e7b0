//! ffprobe JSON recorded from real files (made by ffmpeg 5.1) parsed into typed metadata.
use postflow_core::timecode::FrameRate;
use postflow_qc::probe::{parse_ffprobe_json, ScanType};

fn fixture(name: &str) -> postflow_qc::probe::Probe {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    parse_ffprobe_json(&text).unwrap()
}

#[test]
fn prores_master_with_two_mixes_and_timecode() {
    let p = fixture("prores.mov");
    assert!(p.container.contains("mov"));
    assert_eq!(p.duration_s, Some(2.0));
    assert_eq!(p.start_timecode.as_deref(), Some("10:00:00:00"));
    assert_eq!(p.reel.as_deref(), Some("A001"));
    let v = &p.video[0];
    assert_eq!(
        (v.codec.as_str(), v.profile.as_deref()),
        ("prores", Some("HQ"))
    );
    assert_eq!((v.width, v.height), (320, 180));
    assert_eq!(v.display_aspect.as_deref(), Some("16:9"));
    assert_eq!(v.frame_rate, Some(FrameRate::FPS_25));
    assert!(!v.variable_frame_rate);
    assert_eq!(v.scan, ScanType::Progressive);
    assert_eq!(v.pix_fmt.as_deref(), Some("yuv422p10le"));
    assert_eq!(v.bit_depth, Some(10));
    assert_eq!(p.audio.len(), 2);
    let a = &p.audio[0];
    assert_eq!(
        (
            a.codec.as_str(),
            a.sample_rate,
            a.channels,
            a.layout.as_str()
        ),
        ("pcm_s24le", 48000, 6, "5.1")
    );
    assert_eq!(a.bit_depth, Some(24));
    assert_eq!(a.channel_names, ["FL", "FR", "FC", "LFE", "BL", "BR"]);
    assert_eq!(p.audio[1].layout, "stereo");
    assert_eq!(p.other[0].tag.as_deref(), Some("tmcd"));
}

#[test]
fn vertical_h264_with_drop_frame_timecode_and_colour_tags() {
    let p = fixture("vertical.mp4");
    let v = &p.video[0];
    assert_eq!(
        (v.codec.as_str(), v.profile.as_deref()),
        ("h264", Some("High"))
    );
    assert_eq!((v.width, v.height), (1080, 1920));
    assert_eq!(v.frame_rate, Some(FrameRate::FPS_29_97));
    assert_eq!(v.color_primaries.as_deref(), Some("bt709"));
    assert_eq!(v.color_transfer.as_deref(), Some("bt709"));
    assert_eq!(v.color_matrix.as_deref(), Some("bt709"));
    assert_eq!(v.bit_depth, Some(8));
    assert_eq!(p.start_timecode.as_deref(), Some("01:00:00;00"));
    let a = &p.audio[0];
    assert_eq!(
        (a.codec.as_str(), a.profile.as_deref()),
        ("aac", Some("LC"))
    );
}

#[test]
fn interlaced_mxf_and_audio_only_wav() {
    let p = fixture("interlaced.mxf");
    assert_eq!(p.video[0].scan, ScanType::InterlacedTff);
    assert_eq!(p.video[0].codec, "mpeg2video");
    assert!(p.container.contains("mxf"));
    let w = fixture("audio51.wav");
    assert!(w.video.is_empty());
    assert_eq!(w.audio[0].channels, 6);
    assert_eq!(w.audio[0].layout, "5.1");
}
