#include "lcrt/signature.hpp"

#include <zlib.h>

#include <array>
#include <cstdio>
#include <regex>
#include <string>
#include <string_view>

namespace lcrt {
namespace {

// Frames every crash of a kind shares, whatever the bug: the machinery that
// reports it. A name that matches one of these is not part of a signature.
const std::regex& machinery() {
  static const std::regex kMachinery(
      "(__)?(nmi_)?panic|vpanic|check_panic_on_warn|(__)?die|die_body|"
      "oops_end|__warn|warn_slowpath_fmt|report_bug|handle_bug|bug_handler|"
      "do_(error_)?trap|do_undefinstr|do_(Data|Prefetch)Abort|do_mem_abort|"
      "do_page_fault|__do_page_fault|__do_kernel_fault|page_fault_oops|"
      "kernelmode_fixup_or_oops|(__)?bad_area(_nosemaphore)?|"
      "do_user_addr_fault|do_kern_addr_fault|handle_page_fault|"
      "do_translation_fault|do_bad_area|do_sect_fault|"
      "exc_[a-z_]+|asm_exc_[a-z_]+|(asm_)?sysvec_[a-z_]+|__sysvec_[a-z_]+|"
      "el1[a-z0-9_]*|call_break_hook|brk_handler|do_debug_exception|"
      "__(irq|dabt|und|pabt)_svc|__stack_chk_fail|"
      "watchdog_timer_fn|__hrtimer_run_queues|hrtimer_interrupt|"
      "arch_timer_handler_[a-z]+|handle_percpu_devid_irq|handle_irq_desc|"
      "(generic_)?handle_(arch_|domain_)?irq|gic_handle_irq|call_with_stack|"
      "irq_exit(_rcu)?|__irq_exit_rcu|do_interrupt_handler|"
      "flush_smp_call_function_queue|__flush_smp_call_function_queue|"
      "ipi_handler|do_handle_IPI|handle_IPI");
  return kMachinery;
}

// "func.constprop.0" -> "func"; "func [module]" -> "func".
std::string base_name(std::string name) {
  if (const auto sp = name.find(' '); sp != std::string::npos) name.resize(sp);
  if (const auto dot = name.find('.'); dot != std::string::npos && dot > 0) name.resize(dot);
  return name;
}

}  // namespace

Signature signature(const std::vector<std::string>& names) {
  Signature s;
  std::string joined;
  for (const auto& raw : names) {
    if (s.functions.size() == kSignatureFrames) break;
    if (raw.empty()) continue;
    std::string name = base_name(raw);
    if (name.empty() || std::regex_match(name, machinery())) continue;
    joined += name;
    joined += '\n';
    s.functions.push_back(std::move(name));
  }
  if (s.functions.empty()) return s;
  const auto crc =
      crc32(0L, reinterpret_cast<const Bytef*>(joined.data()), static_cast<uInt>(joined.size()));
  std::array<char, 16> buf{};
  std::snprintf(buf.data(), buf.size(), "%08lx", static_cast<unsigned long>(crc));
  s.id = buf.data();
  return s;
}

}  // namespace lcrt
