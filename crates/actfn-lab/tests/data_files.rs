//! Data from files: the shipped UCI digits, CSV files and MNIST's IDX files (small
//! files written by the tests).

use std::io::Write;
use std::path::Path;

use actfn_lab::data::csv::{load_csv, parse_csv, CsvOptions, LabelColumn};
use actfn_lab::data::idx::{load_idx, load_mnist_dir, parse_idx};
use actfn_lab::data::{digits, Labels};

#[test]
fn digits_are_shipped_with_sklearns_class_counts() {
    let d = digits::load().unwrap();
    assert_eq!((d.n, d.d, d.shape.clone()), (1797, 64, vec![8, 8]));
    assert_eq!(
        d.class_counts().unwrap(),
        [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    );
    assert!(d.x.iter().all(|&v| (0.0..=1.0).contains(&v)));
    assert_eq!(d.x.iter().copied().fold(0.0f32, f32::max), 1.0);
    // The first image of load_digits: a 0 whose first row is 0 0 5 13 9 1 0 0.
    assert_eq!(d.y.classes().unwrap()[0], 0);
    let first_row: Vec<f32> = d.row(0)[..8].iter().map(|v| v * 16.0).collect();
    assert_eq!(first_row, [0.0, 0.0, 5.0, 13.0, 9.0, 1.0, 0.0, 0.0]);
    assert!(digits::NOTICE.contains("CC BY 4.0") && digits::NOTICE.contains("Alpaydin"));
    // The notice travels beside the data.
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/README.md");
    let text = std::fs::read_to_string(readme).unwrap();
    assert!(text.contains("CC BY 4.0") && text.contains("Kaynak"));
}

#[test]
fn digits_parser_rejects_malformed_rows() {
    assert!(digits::parse("1,2,3\n").unwrap_err().to_string().contains("65"));
    let mut row = vec!["0"; 64];
    row.push("11");
    assert!(digits::parse(&row.join(","))
        .unwrap_err()
        .to_string()
        .contains("not a digit"));
    row[64] = "3";
    row[0] = "17";
    assert!(digits::parse(&row.join(","))
        .unwrap_err()
        .to_string()
        .contains("outside"));
}

fn opts() -> CsvOptions {
    CsvOptions::default()
}

#[test]
fn csv_with_header_and_string_labels() {
    let text = "sepal,petal,species\n1.0,2.0,setosa\n3,4,virginica\n\n# a comment\n5,6e-1,setosa\n";
    let d = parse_csv(text, "iris", &opts()).unwrap();
    assert_eq!((d.n, d.d), (3, 2));
    assert_eq!(d.x, [1.0, 2.0, 3.0, 4.0, 5.0, 0.6]);
    assert_eq!(d.y, Labels::Class(vec![0, 1, 0], 2));
    assert_eq!(d.class_names, ["setosa", "virginica"]);
    // By name, in the middle.
    let o = CsvOptions {
        label: LabelColumn::Name("sepal".into()),
        regression: true,
        ..opts()
    };
    let d = parse_csv("sepal,petal,x\n1,2,3\n4,5,6\n", "t", &o).unwrap();
    assert_eq!(d.x, [2.0, 3.0, 5.0, 6.0]);
    assert_eq!(d.y, Labels::Value(vec![1.0, 4.0], 1));
}

#[test]
fn csv_integer_labels_without_header() {
    // Non-negative integers are the class ids themselves.
    let d = parse_csv("0.5,1,3\n0.25,2,0\n", "t", &opts()).unwrap();
    assert_eq!(d.y, Labels::Class(vec![3, 0], 4));
    assert!(d.class_names.is_empty());
    // Label by index; a quoted field with a comma.
    let o = CsvOptions {
        label: LabelColumn::Index(0),
        header: Some(false),
        ..opts()
    };
    let d = parse_csv(
        "\"a,b\",1\n\"c\",2\n",
        "t",
        &CsvOptions {
            label: LabelColumn::Last,
            ..o.clone()
        },
    )
    .unwrap_err();
    assert!(d.to_string().contains("not a finite number"), "{d}");
    let d = parse_csv(
        "\"a,b\",1\n\"c\",2\n",
        "t",
        &CsvOptions {
            label: LabelColumn::Index(0),
            ..o
        },
    )
    .unwrap();
    assert_eq!(d.class_names, ["a,b", "c"]);
    // Negative and decimal labels become ranked classes.
    let d = parse_csv("1,-1\n2,1\n3,-1\n4,1.0\n", "t", &opts()).unwrap();
    assert_eq!(d.y, Labels::Class(vec![0, 1, 0, 1], 2));
    assert_eq!(d.class_names, ["-1", "1"]);
    assert_eq!(LabelColumn::parse("last"), LabelColumn::Last);
    assert_eq!(LabelColumn::parse("-1"), LabelColumn::Last);
    assert_eq!(LabelColumn::parse("2"), LabelColumn::Index(2));
    assert_eq!(LabelColumn::parse("y"), LabelColumn::Name("y".into()));
}

#[test]
fn csv_errors_are_one_clear_line() {
    let err = |text: &str, o: CsvOptions| {
        let e = format!("{:#}", parse_csv(text, "f.csv", &o).unwrap_err());
        assert!(!e.contains('\n'), "{e}");
        e
    };
    assert!(err("a,b,c\n1,2,x\n3,4\n", opts()).contains("line 3: 2 columns, expected 3"));
    assert!(err("a,b,c\n1,zz,0\n", opts()).contains("line 2, column 1 (\"b\"): \"zz\" is not a finite number"));
    assert!(err(
        "1,2\n3,nan\n",
        CsvOptions {
            header: Some(false),
            regression: true,
            ..opts()
        }
    )
    .contains("regression target"));
    assert!(err(
        "a,b\n1,2\n",
        CsvOptions {
            label: LabelColumn::Name("c".into()),
            ..opts()
        }
    )
    .contains("no column named \"c\""));
    assert!(err(
        "1,2\n",
        CsvOptions {
            label: LabelColumn::Name("c".into()),
            header: Some(false),
            ..opts()
        }
    )
    .contains("no header"));
    assert!(err(
        "1,2\n",
        CsvOptions {
            label: LabelColumn::Index(5),
            ..opts()
        }
    )
    .contains("label column 5"));
    assert!(err("", opts()).contains("no rows"));
    assert!(err("a,b\n", opts()).contains("no data rows"));
    assert!(err("1\n2\n", opts()).contains("one column"));
    assert!(err("\"1,2\n", opts()).contains("unterminated quote"));
    assert!(err(
        "1,\n",
        CsvOptions {
            header: Some(false),
            ..opts()
        }
    )
    .contains("empty label"));
}

#[test]
fn csv_files_plain_and_gzipped() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("data.csv");
    std::fs::write(&plain, "x,y,label\n0,1,a\n1,0,b\n").unwrap();
    let d = load_csv(&plain, &opts()).unwrap();
    assert_eq!((d.name.as_str(), d.n, d.d), ("data.csv", 2, 2));
    let gz = dir.path().join("data.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(b"x,y,label\n0,1,a\n1,0,b\n").unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    assert_eq!(load_csv(&gz, &opts()).unwrap().x, d.x);
    let missing = format!("{:#}", load_csv(&dir.path().join("nope.csv"), &opts()).unwrap_err());
    assert!(
        missing.contains("cannot read") && missing.contains("nope.csv"),
        "{missing}"
    );
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "a,b\nx,1\n").unwrap();
    let e = format!("{:#}", load_csv(&bad, &opts()).unwrap_err());
    assert!(e.contains("bad.csv") && e.contains("line 2"), "{e}");
    let binary = dir.path().join("bin.csv");
    std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
    assert!(format!("{:#}", load_csv(&binary, &opts()).unwrap_err()).contains("not UTF-8"));
}

/// IDX bytes of unsigned bytes with the given dimensions.
fn idx(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        v.extend(d.to_be_bytes());
    }
    v.extend(data);
    v
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[test]
fn idx_images_and_labels() {
    let dir = tempfile::tempdir().unwrap();
    let pixels: Vec<u8> = (0..3 * 2 * 2).map(|i| (i * 20) as u8).collect();
    let images = dir.path().join("imgs-idx3-ubyte.gz");
    let labels = dir.path().join("labels-idx1-ubyte");
    std::fs::write(&images, gz(&idx(&[3, 2, 2], &pixels))).unwrap();
    std::fs::write(&labels, idx(&[3], &[7, 0, 2])).unwrap();
    let d = load_idx(&images, &labels).unwrap();
    assert_eq!((d.n, d.d, d.shape.clone()), (3, 4, vec![2, 2]));
    assert_eq!(d.y, Labels::Class(vec![7, 0, 2], 8));
    assert_eq!(d.row(1), [80.0 / 255.0, 100.0 / 255.0, 120.0 / 255.0, 140.0 / 255.0]);

    let err = |bytes: &[u8]| parse_idx(bytes).unwrap_err().to_string();
    assert!(err(&[1, 0, 8, 1]).contains("two zero bytes"));
    assert!(err(&[0, 0]).contains("shorter than its header"));
    assert!(err(&[0, 0, 0x0D, 1, 0, 0, 0, 0]).contains("0x0D (float)"));
    assert!(err(&idx(&[2, 2], &[1, 2, 3])).contains("need 4 bytes"));
    assert!(err(&[0, 0, 8, 2, 0, 0]).contains("promises 2 dimensions"));
    // Counts must agree.
    std::fs::write(&labels, idx(&[2], &[1, 2])).unwrap();
    let e = format!("{:#}", load_idx(&images, &labels).unwrap_err());
    assert!(e.contains("3 images but 2 labels") && !e.contains('\n'), "{e}");
}

#[test]
fn mnist_directory_with_train_and_test_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let e = format!("{:#}", load_mnist_dir(p).unwrap_err());
    assert!(e.contains("train-images-idx3-ubyte"), "{e}");
    std::fs::write(p.join("train-images-idx3-ubyte.gz"), gz(&idx(&[2, 3, 3], &[255; 18]))).unwrap();
    std::fs::write(p.join("train-labels-idx1-ubyte.gz"), gz(&idx(&[2], &[1, 9]))).unwrap();
    let train_only = load_mnist_dir(p).unwrap();
    assert_eq!((train_only.n, train_only.train_len), (2, None));
    // Kaggle's spelling of the test files.
    std::fs::write(p.join("t10k-images.idx3-ubyte"), idx(&[1, 3, 3], &[0; 9])).unwrap();
    let e = format!("{:#}", load_mnist_dir(p).unwrap_err());
    assert!(e.contains("only one of the two t10k files"), "{e}");
    std::fs::write(p.join("t10k-labels.idx1-ubyte"), idx(&[1], &[4])).unwrap();
    let d = load_mnist_dir(p).unwrap();
    assert_eq!((d.n, d.d, d.train_len), (3, 9, Some(2)));
    assert_eq!(d.shape, vec![3, 3]);
    assert_eq!(d.y, Labels::Class(vec![1, 9, 4], 10));
    assert_eq!(d.row(0)[0], 1.0);
    assert_eq!(d.row(2)[0], 0.0);
    let (train, test) = d.official_split().unwrap();
    assert_eq!((train.n, test.n), (2, 1));
}
