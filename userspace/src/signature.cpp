#include "lcrt/signature.hpp"

#include <linux/lcrt.h>
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

// The CRC-32 of names (innermost first) past the crash machinery, up to
// kSignatureFrames of them; with keep_first, names[0] counts whatever it is.
Signature hashed(const std::vector<std::string>& names, bool keep_first) {
  Signature s;
  std::string joined;
  for (std::size_t i = 0; i < names.size() && s.functions.size() < kSignatureFrames; i++) {
    if (names[i].empty()) continue;
    std::string name = base_name(names[i]);
    if (name.empty() || (!(keep_first && i == 0) && std::regex_match(name, machinery()))) continue;
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

// What a title says of a crash (syzbot's words), the first row that fits
// the record: its event (kAnyEvent: any), and a word of its reason
// (case-insensitive; "" fits any), and also a second one when given.
constexpr int kAnyEvent = -1;
struct TitleRule {
  int event;
  const char* word;
  const char* also;
  const char* title;  // nullptr: the oops string, the reason up to its first ','
};

constexpr TitleRule kTitles[] = {
    {kAnyEvent, "stack overflow", nullptr, "kernel stack overflow"},
    {kAnyEvent, "stack guard page", nullptr, "kernel stack overflow"},
    {LCRT_EV_BUG, "", nullptr, "kernel BUG"},
    {LCRT_EV_WARN, "", nullptr, "WARNING"},
    {LCRT_EV_WATCHDOG, "soft lockup", nullptr, "BUG: soft lockup"},
    {LCRT_EV_WATCHDOG, "softlockup", nullptr, "BUG: soft lockup"},
    {LCRT_EV_WATCHDOG, "hard lockup", nullptr, "BUG: hard lockup"},
    {LCRT_EV_WATCHDOG, "hardlockup", nullptr, "BUG: hard lockup"},
    {LCRT_EV_WATCHDOG, "hung_task", nullptr, "INFO: task hung"},
    {LCRT_EV_WATCHDOG, "rcu", "stall", "INFO: rcu detected stall"},
    {kAnyEvent, "stack-protector", nullptr, "kernel panic: stack-protector"},
    {kAnyEvent, "scheduling while atomic", nullptr, "BUG: scheduling while atomic"},
    {LCRT_EV_OOPS, "", nullptr, nullptr},
    // A panic, and a watchdog's panic of no kind above.
    {LCRT_EV_PANIC, "", nullptr, "kernel panic"},
    {LCRT_EV_WATCHDOG, "", nullptr, "kernel panic"},
    // A record without an event, or of an event this tool does not know.
    {kAnyEvent, "", nullptr, "kernel crash"},
};

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// "general protection fault, probably for ..., err 0x0" -> "general
// protection fault"; "Oops" when nothing is left.
std::string oops_string(const std::string& reason) {
  std::string s = reason.substr(0, reason.find(','));
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "Oops";
  s.erase(s.find_last_not_of(" \t\r\n") + 1);
  return s.substr(first);
}

}  // namespace

std::string base_name(std::string name) {
  if (const auto sp = name.find(' '); sp != std::string::npos) name.resize(sp);
  if (const auto dot = name.find('.'); dot != std::string::npos && dot > 0) name.resize(dot);
  return name;
}

Signature signature(const std::vector<std::string>& names) { return hashed(names, false); }

Signature signature(const Record& rec) {
  const bool blamed = rec.culprit && rec.culprit->frame < rec.frames.size();
  const std::size_t from = blamed ? static_cast<std::size_t>(rec.culprit->frame) : 0;
  std::vector<std::string> names;
  names.reserve(rec.frames.size() - from);
  for (std::size_t i = from; i < rec.frames.size(); i++) names.push_back(rec.frames[i].name);
  return hashed(names, blamed);
}

std::string culprit_name(const Record& rec) {
  if (!rec.culprit || rec.culprit->frame >= rec.frames.size()) return "";
  return base_name(rec.frames[static_cast<std::size_t>(rec.culprit->frame)].name);
}

std::string title(const Record& rec) {
  const int event = rec.event ? rec.event->kind : 0;  // 0: "unknown"
  const std::string reason = rec.reason.value_or("");
  const std::string words = lower(reason);
  const auto holds = [&words](const char* w) { return words.find(w) != std::string::npos; };
  std::string t = "kernel crash";
  for (const TitleRule& r : kTitles) {
    if ((r.event != kAnyEvent && r.event != event) || !holds(r.word) ||
        (r.also != nullptr && !holds(r.also)))
      continue;
    t = r.title != nullptr ? r.title : oops_string(reason);
    break;
  }
  const std::string culprit = culprit_name(rec);
  return culprit.empty() ? t : t + " in " + culprit;
}

}  // namespace lcrt
