//! Synthetic content for benchmarks: a fixture pack plus many copies of its
//! 7zip detection. Not part of any crate's API: the benchmarks that need it
//! include this file (`#[path = ...] mod synth;`).

use std::path::Path;

/// Copies the content root `pack` to `dest` and adds `n` copies of
/// `detections/endpoint/anomalous_usage_of_7zip.yml`, each with its own
/// name (`Anomalous usage of 7zip variant NNNN`), id and filter macro name.
/// Returns the bytes of YAML added.
///
/// # Errors
/// Any I/O error reading `pack` or writing `dest`.
pub fn pack_with_copies(pack: &Path, dest: &Path, n: usize) -> std::io::Result<usize> {
    copy_dir(pack, dest)?;
    let template =
        std::fs::read_to_string(pack.join("detections/endpoint/anomalous_usage_of_7zip.yml"))?;
    let mut bytes = 0;
    for i in 0..n {
        let stem = format!("anomalous_usage_of_7zip_variant_{i:04}");
        let text = template
            .replace(
                "name: Anomalous usage of 7zip",
                &format!("name: Anomalous usage of 7zip variant {i:04}"),
            )
            .replace(
                "9364ee8e-a39a-11eb-8f1d-acde48001122",
                &format!("9364ee8e-a39a-11eb-8f1d-{:012x}", i + 1),
            )
            .replace("anomalous_usage_of_7zip_filter", &format!("{stem}_filter"));
        bytes += text.len();
        std::fs::write(dest.join(format!("detections/endpoint/{stem}.yml")), text)?;
    }
    Ok(bytes)
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let dst = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &dst)?;
        } else {
            std::fs::copy(e.path(), dst)?;
        }
    }
    Ok(())
}
