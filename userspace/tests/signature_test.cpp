#include "lcrt/signature.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lcrt {
namespace {

using Names = std::vector<std::string>;

// Chains as the lab's kernels recorded them (arm 6.1, x86_64 6.12).
const Names kArmOops{"lkdtm_EXCEPTION", "direct_entry", "full_proxy_write",
                     "vfs_write",       "ksys_write",   "ret_fast_syscall"};
const Names kX86Oops{"lkdtm_EXCEPTION",
                     "direct_entry.cold",
                     "full_proxy_write",
                     "vfs_write",
                     "ksys_write",
                     "do_syscall_64",
                     "entry_SYSCALL_64_after_hwframe"};

TEST(Signature, TheSameBugOnTwoArchesIsOneSignature) {
  const Signature arm = signature(kArmOops);
  const Signature x86 = signature(kX86Oops);
  EXPECT_EQ(arm.id.size(), 8U);
  EXPECT_EQ(arm.id, x86.id);
  EXPECT_EQ(arm.functions,
            Names({"lkdtm_EXCEPTION", "direct_entry", "full_proxy_write", "vfs_write"}));
}

TEST(Signature, TheCrashMachineryIsNotPartOfIt) {
  const Names panic{
      "panic",           "check_panic_on_warn", "__warn",           "warn_slowpath_fmt",
      "lkdtm_EXCEPTION", "direct_entry",        "full_proxy_write", "vfs_write"};
  EXPECT_EQ(signature(panic).id, signature(kArmOops).id);
  const Names lockup{"watchdog_timer_fn",       "__hrtimer_run_queues",
                     "hrtimer_interrupt",       "arch_timer_handler_virt",
                     "handle_percpu_devid_irq", "handle_irq_desc",
                     "gic_handle_irq",          "generic_handle_arch_irq",
                     "call_with_stack",         "__irq_svc",
                     "lkdtm_SOFTLOCKUP",        "direct_entry"};
  EXPECT_EQ(signature(lockup).functions, Names({"lkdtm_SOFTLOCKUP", "direct_entry"}));
}

TEST(Signature, ModulesClonesAndUnnamedFramesDoNotChangeIt) {
  const Names a{"lcrt_crash_oops [lcrt_crash]", "lcrt_crash_init [lcrt_crash]", "do_one_initcall"};
  const Names b{"lcrt_crash_oops.constprop.0", "", "lcrt_crash_init", "do_one_initcall"};
  EXPECT_EQ(signature(a).id, signature(b).id);
}

TEST(Signature, AnotherCulpritIsAnotherSignature) {
  Names other = kArmOops;
  other[0] = "lkdtm_BUG";
  EXPECT_NE(signature(other).id, signature(kArmOops).id);
  Names caller = kArmOops;
  caller[1] = "lkdtm_do_action";
  EXPECT_NE(signature(caller).id, signature(kArmOops).id);
}

TEST(Signature, NoNamedFramesNoSignature) {
  EXPECT_EQ(signature(Names{}).id, "");
  EXPECT_EQ(signature({"", "", "panic"}).id, "");
}

}  // namespace
}  // namespace lcrt
