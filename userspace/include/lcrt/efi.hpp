// Records in UEFI variables: a file of the firmware's variable store (an
// OVMF VARS file, the variable region of a flash image), or the variables
// as efivarfs shows them, made a region image.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "lcrt/record.hpp"

namespace lcrt {

// What a variable store holds of LCRT's variables (LCRT_EFI_GUID).
struct EfiStore {
  Bytes image;                  // the region image; empty: no LCRT variable
  std::uint32_t variables = 0;  // LCRT's variables in effect
  std::uint32_t replaced = 0;   // LCRT's older copies: deleted, replaced, torn
};

// The LCRT variables of data when it is an edk2 firmware volume with a
// variable store (the _FVH signature, then a variable store header of the
// authenticated or the plain format), else nullopt. The region image is
// LcrtRegion's bytes then every slot's variable, each padded with zeroes
// to the header's geometry; a variable counts only when edk2 would read it
// (State VAR_ADDED, or in deletion with no added twin), so a write that a
// power cut stopped leaves the copy before it. Throws DataError when the
// store header says the store is not healthy or runs past the data.
std::optional<EfiStore> efi_store(const Bytes& data);

// LCRT's variables as efivarfs shows them in dir (/sys/firmware/efi/efivars
// on a running system: a file "Name-GUID" a variable, its attributes (a
// u32) then its data), made a region image as efi_store() makes one: the
// records a kernel wrote there stay readable when the kernel does not keep
// them (a store too full for LCRT to attach, a kernel without LCRT_EFI).
// efivarfs lists the variables there were at its mount; a variable whose
// attributes are not LCRT's counts as replaced, as the kernel skips it.
// nullopt when dir is not a directory, or is one of something else (no
// LCRT variable, not efivarfs). Throws IoError when a variable or the
// directory cannot be read.
std::optional<EfiStore> efivarfs(const std::string& dir);

}  // namespace lcrt
