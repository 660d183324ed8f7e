// Records in UEFI variables: a file of the firmware's variable store (an
// OVMF VARS file, the variable region of a flash image), made a region
// image.
#pragma once

#include <cstdint>
#include <optional>

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

}  // namespace lcrt
