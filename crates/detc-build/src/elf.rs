//! Checks the `firstseen` binary before it is packaged: a Linux x86-64 ELF
//! executable whose versioned glibc symbols (`GLIBC_x.y` entries of
//! `.gnu.version_r`) are no newer than [`MAX_GLIBC`], so that it runs on
//! the Linux releases Splunk supports. A static binary needs none.

use object::read::elf::{ElfFile64, FileHeader};
use object::{Endianness, elf};

/// The newest glibc symbol version the packaged binary may need: 2.28
/// (RHEL/Oracle Linux 8, Debian 10, Ubuntu 18.10).
pub const MAX_GLIBC: (u32, u32) = (2, 28);

/// The newest `GLIBC_x.y` version the ELF file needs, `None` when it needs
/// none (static, or musl).
///
/// # Errors
/// A message when the bytes are not a 64-bit x86-64 ELF executable or its
/// version tables cannot be read.
pub fn newest_glibc(data: &[u8]) -> Result<Option<(u32, u32)>, String> {
    let file = ElfFile64::<Endianness>::parse(data)
        .map_err(|e| format!("not a 64-bit ELF executable ({e})"))?;
    let endian = file.endian();
    let header = file.elf_header();
    if header.e_machine(endian) != elf::EM_X86_64 {
        return Err(format!(
            "built for ELF machine {} instead of x86-64 (62)",
            header.e_machine(endian)
        ));
    }
    let sections = file.elf_section_table();
    let mut newest: Option<(u32, u32)> = None;
    let bad = |e: object::Error| format!("unreadable symbol version table ({e})");
    if let Some((mut needs, link)) = sections.gnu_verneed(endian, data).map_err(bad)? {
        let strings = sections.strings(endian, data, link).map_err(bad)?;
        while let Some((_, mut auxs)) = needs.next().map_err(bad)? {
            while let Some(aux) = auxs.next().map_err(bad)? {
                let name = aux.name(endian, strings).map_err(bad)?;
                let Some(v) = name.strip_prefix(b"GLIBC_") else {
                    continue;
                };
                let v = String::from_utf8_lossy(v);
                let mut parts = v.split('.').map(|p| p.parse::<u32>().ok());
                if let (Some(Some(major)), Some(Some(minor))) = (parts.next(), parts.next()) {
                    newest = newest.max(Some((major, minor)));
                }
            }
        }
    }
    Ok(newest)
}
