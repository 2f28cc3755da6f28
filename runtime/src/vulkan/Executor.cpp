//===- Executor.cpp - Runs generated SPIR-V kernels on Vulkan ---*- C++ -*-===//
//
// The part of the Vulkan executor that generated code calls (credoc
// --target vulkan): device memory, kernel dispatch and synchronization. The
// generated host code decides what runs; this file supplies primitives:
//
// - Memory: buffers come from large device blocks (each one VkBuffer within
//   maxStorageBufferRange); freed buffers are cached by size. A kernel
//   argument is found by its address (block and offset). Mapped mode: the
//   blocks are memory the host maps (an integrated GPU, a CPU device).
//   Staging mode (a discrete GPU, or CREDO_VULKAN_MEMORY=staging): the
//   blocks are device-local memory the host never maps; the host code sees
//   a shadow copy of each block, and each buffer moves between the two
//   through a host-visible staging buffer when one side changed it: an
//   upload before the first dispatch that uses a buffer the host wrote, a
//   download before the host reads a buffer a dispatch wrote.
// - Dispatch: pipelines are created once per kernel (keyed by the embedded
//   SPIR-V, checked word by word) and reused; dispatches are recorded into
//   one command buffer with a memory barrier between them, and submitted
//   when the host next reads or writes memory (credo_rt_vk_sync) — one
//   submission per entry-point call when the host touches nothing between.
// - Errors are kernel failures with a message (no device, an allocation
//   beyond the device's limits, a lost device), which the guarded call
//   returns as a status.
//
//===----------------------------------------------------------------------===//

#include "../Internal.h"
#include "Loader.h"

#include "credo/kernels.h"
#include "credo/runtime.h"

#include <vulkan/vulkan.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

using namespace credo::rt;

namespace {

constexpr VkDeviceSize kBlockBytes = VkDeviceSize(256) << 20;
constexpr VkDeviceSize kScalarBytes = VkDeviceSize(1) << 20;
constexpr VkDeviceSize kStagingBytes = VkDeviceSize(64) << 20;
constexpr uint32_t kSetsPerPool = 1024;
constexpr uint32_t kDescriptorsPerPool = 16384;

#define CREDO_VK_FUNCTIONS(X)                                                  \
  X(vkEnumeratePhysicalDevices)                                                \
  X(vkGetPhysicalDeviceProperties)                                             \
  X(vkGetPhysicalDeviceProperties2)                                            \
  X(vkEnumerateDeviceExtensionProperties)                                      \
  X(vkGetPhysicalDeviceFeatures)                                               \
  X(vkGetPhysicalDeviceMemoryProperties)                                       \
  X(vkGetPhysicalDeviceQueueFamilyProperties)                                  \
  X(vkCreateDevice)                                                            \
  X(vkGetDeviceQueue)                                                          \
  X(vkCreateBuffer)                                                            \
  X(vkGetBufferMemoryRequirements)                                             \
  X(vkAllocateMemory)                                                          \
  X(vkBindBufferMemory)                                                        \
  X(vkMapMemory)                                                               \
  X(vkCreateShaderModule)                                                      \
  X(vkCreateDescriptorSetLayout)                                               \
  X(vkCreatePipelineLayout)                                                    \
  X(vkCreateComputePipelines)                                                  \
  X(vkDestroyShaderModule)                                                     \
  X(vkCreateDescriptorPool)                                                    \
  X(vkResetDescriptorPool)                                                     \
  X(vkAllocateDescriptorSets)                                                  \
  X(vkUpdateDescriptorSets)                                                    \
  X(vkCreateCommandPool)                                                       \
  X(vkResetCommandPool)                                                        \
  X(vkAllocateCommandBuffers)                                                  \
  X(vkBeginCommandBuffer)                                                      \
  X(vkEndCommandBuffer)                                                        \
  X(vkCmdBindPipeline)                                                         \
  X(vkCmdBindDescriptorSets)                                                   \
  X(vkCmdDispatch)                                                             \
  X(vkCmdPushConstants)                                                        \
  X(vkCmdCopyBuffer)                                                           \
  X(vkCmdPipelineBarrier)                                                      \
  X(vkCreateFence)                                                             \
  X(vkResetFences)                                                             \
  X(vkWaitForFences)                                                           \
  X(vkQueueSubmit)                                                             \
  X(vkCreateQueryPool)                                                         \
  X(vkCmdResetQueryPool)                                                       \
  X(vkCmdWriteTimestamp)                                                       \
  X(vkGetQueryPoolResults)

struct Block {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  /// The address the host code sees: the mapped memory, or (staging mode)
  /// the block's shadow in host memory.
  char *mapped = nullptr;
  VkDeviceSize size = 0, used = 0;
  std::unique_ptr<char[]> shadow;
};

struct Pipeline {
  std::vector<uint32_t> words;
  std::string entry;
  std::vector<int64_t> kinds; ///< of the arguments (CREDO_VK_ARG_WRITTEN off)
  uint32_t pushBytes = 0;     ///< of the push-constant block
  VkDescriptorSetLayout setLayout = VK_NULL_HANDLE;
  VkPipelineLayout layout = VK_NULL_HANDLE;
  VkPipeline pipeline = VK_NULL_HANDLE;
};

/// Accumulated kernel times of one label (--profile).
struct KernelTime {
  uint64_t calls = 0;
  double ns = 0;
};

/// A range of a buffer that dispatches since the last barrier read or wrote.
struct Span {
  VkBuffer buffer;
  VkDeviceSize begin, end;
  bool overlaps(const Span &o) const {
    return buffer == o.buffer && begin < o.end && o.begin < end;
  }
};

/// Whether a span of `a` overlaps one of `b`.
bool overlapsAny(const std::vector<Span> &a, const std::vector<Span> &b) {
  for (const Span &x : a)
    for (const Span &y : b)
      if (x.overlaps(y))
        return true;
  return false;
}

struct Allocation {
  VkDeviceSize size;  ///< rounded up to the alignment
  VkDeviceSize bytes; ///< asked for
  uint64_t sequence;
  /// Staging mode: the host's copy changed since the device's was written
  /// (upload before the next dispatch that uses it), or a recorded
  /// dispatch writes the device's (download before the host reads it).
  bool hostNewer = false, deviceNewer = false;
  /// Held by the runtime across calls (a model's parameters): generated
  /// code reaches it only through copies, never by a host access.
  bool held = false;
};

class Executor {
public:
  std::mutex mutex;

  /// Creates the instance and device on first use; false (with the
  /// reason recorded as a kernel failure) when there is none.
  bool ready();
  void *allocate(size_t bytes, bool held = false);
  void release(void *ptr);
  void sync();
  /// sync() if a recorded dispatch writes a byte of [p, p + bytes) or,
  /// when the host is about to write them, reads one.
  void syncRange(const char *p, VkDeviceSize bytes, bool write);
  /// Drops the recorded dispatches without running them (a failed call).
  void discard();
  /// What sync() and discard() share: the end of a recording's tracking,
  /// and (after it ran or was dropped) the reuse of its pools, scalars and
  /// the buffers freed meanwhile.
  void endRecording();
  void reuseRecordingState();
  /// Staging mode: uploads and kernel writes that did not happen after all
  /// (dropped or failed work) are undone in the buffers' flags.
  void undoFlags(const std::vector<char *> &uploaded,
                 const std::vector<char *> &written);
  /// A host access the compiler could not bound: everything waits, and in
  /// staging mode every buffer's host copy becomes the latest.
  void syncAll();
  /// The host is about to read these ranges: what kernels wrote there
  /// fetched in one submission (or, mapped, waited for once).
  void hostRead(const std::vector<std::pair<const char *, size_t>> &ranges);
  /// Copies host memory to host memory where either may be a buffer (an
  /// entry point's copies in and out); between two buffers, a copy on the
  /// device.
  void copy(char *to, const char *from, VkDeviceSize bytes);
  /// An entry point's results: `n` triples (to, from, bytes) of the
  /// caller's buffer and the device buffer that holds the result. Copies
  /// between buffers are recorded first, then the rest fetched together
  /// (staging mode: one submission for all) and copied on the host.
  void results(int64_t n, const int64_t *table);
  void dispatch(const uint32_t *words, int64_t count, const char *entry,
                const char *label, const int64_t groups[3], int64_t n,
                const int64_t *table);
  /// Turns timestamp queries around each dispatch on or off; false if the
  /// device's compute queue has no timestamps.
  bool setProfiling(bool on);
  std::map<std::string, KernelTime> profile;
  uint64_t dispatches = 0, barriers = 0, submissions = 0; ///< while profiling
  /// While profiling: bytes sent to the device, fetched from it, and copied
  /// from buffer to buffer on it.
  uint64_t uploaded = 0, downloaded = 0, copied = 0;
  bool stagingMode() const { return staging; }
  /// Whether a device is open, and which.
  bool isOpen() const { return tried && usable; }
  size_t deviceIndex() const { return opened; }
  /// Whether kernels may use subgroup sums (the device has subgroup
  /// arithmetic in compute kernels, and CREDO_VULKAN_SUBGROUPS is not 0).
  bool subgroupSums() { return ready() && subgroupArithmetic; }
  uint64_t mark() const { return sequence; }
  void releaseSince(uint64_t mark);

private:
#define X(name) PFN_##name name = nullptr;
  CREDO_VK_FUNCTIONS(X)
#undef X
  bool initialize(std::string &why);
  bool check(VkResult r, const char *what);
  Block *newBlock(VkDeviceSize bytes, std::string &why, bool hostVisible);
  /// Staging mode: the live buffer containing `p`, or null.
  std::pair<char *const, Allocation> *allocationOf(const char *p);
  /// Staging mode: records the copy of a buffer from the host's copy to the
  /// device's (false on failure).
  bool upload(const std::vector<std::pair<char *const, Allocation> *> &list);
  /// Staging mode: brings the device's copy of the buffers into the host's
  /// (one submission for all).
  void download(const std::vector<std::pair<char *, Allocation *>> &buffers);
  /// A barrier between transfers and kernels in both directions.
  void transferBarrier();
  /// Room for `bytes` in the staging buffer (submitting what still reads
  /// it, or growing it).
  bool reserveStaging(VkDeviceSize bytes);
  Block *blockOf(const char *p);
  /// Records the copy of [from, from + bytes) to `to` on the device when
  /// both lie in one live buffer each (false: not two buffers).
  bool copyOnDevice(char *to, const char *from, VkDeviceSize bytes);
  bool overlapsPending(const char *p, VkDeviceSize bytes, bool write);
  Pipeline *pipelineFor(const uint32_t *words, int64_t count, const char *entry,
                        int64_t n, const int64_t *table);
  VkDescriptorSet descriptorSet(VkDescriptorSetLayout layout);
  void begin();

  bool tried = false, usable = false;
  /// The device could not be chosen (a bad index): nothing was created, so
  /// the next call chooses again (after credo_vulkan_use_device, or with
  /// another CREDO_VULKAN_DEVICE).
  bool choiceFailed = false;
  size_t opened = 0;        ///< the device's index, once usable
  bool preserves64 = false; ///< SignedZeroInfNanPreserve for f64 kernels
  std::string unusable;
  VkInstance instance = VK_NULL_HANDLE;
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  VkDevice device = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  VkCommandPool commandPool = VK_NULL_HANDLE;
  VkCommandBuffer commands = VK_NULL_HANDLE;
  VkFence fence = VK_NULL_HANDLE;
  VkDescriptorPool descriptors = VK_NULL_HANDLE;
  VkPhysicalDeviceLimits limits{};
  uint32_t memoryType = 0;        ///< of the blocks
  uint32_t stagingMemoryType = 0; ///< host-visible (staging mode)
  bool staging = false;
  bool subgroupArithmetic = false;
  std::unique_ptr<Block> stagingBlock; ///< host-visible transfer space
  VkDeviceSize stagingUsed = 0;
  // Staging mode, since the last submission: buffers uploaded and buffers
  // marked written (restored if the recorded work is dropped).
  std::vector<char *> uploadedPending, writtenMarked;
  std::vector<std::unique_ptr<Block>> blocks;
  std::map<const char *, Block *> byAddress; ///< by mapped base
  Block *current = nullptr;                  ///< where new buffers are cut
  std::unordered_map<VkDeviceSize, std::vector<char *>> cached;
  std::map<char *, Allocation> live;
  std::vector<char *> deferred; ///< freed while dispatches were pending
  uint64_t sequence = 0;
  std::unique_ptr<Block> scalars;
  VkDeviceSize scalarsUsed = 0;
  std::unordered_map<const uint32_t *, std::unique_ptr<Pipeline>> pipelines;
  bool recording = false;
  unsigned pending = 0;
  // Hazard tracking: what the dispatches since the last barrier read and
  // wrote; a dispatch that touches what one of them wrote, or writes what
  // one of them read, needs a barrier first ($CREDO_VULKAN_BARRIERS=all:
  // always).
  std::vector<Span> readSince, writtenSince;
  bool transferSince = false; ///< a buffer copy since the last barrier
  // What was read and written since the last barrier that also orders
  // transfers (a barrier between kernels does not): a buffer copy that
  // touches what one of them wrote, or writes what one read, needs one.
  std::vector<Span> readSinceTransfer, writtenSinceTransfer;
  // What the dispatches since the last submission read and wrote: a host
  // access waits only when it touches what they may still change (or, for
  // a host write, what they still read).
  std::vector<Span> readPending, writtenPending;
  bool alwaysBarrier = false;
  // Profiling: a pair of timestamps per dispatch.
  bool profiling = false, timestamps = false;
  double timestampPeriod = 0; ///< ns per tick
  VkQueryPool queries = VK_NULL_HANDLE;
  uint32_t queriesUsed = 0;
  static constexpr uint32_t kQueries = 2048;
  std::vector<std::string> queryLabels;
};

Executor &executor() {
  static Executor *e = new Executor(); // outlives static destructors
  return *e;
}

std::string bytesText(VkDeviceSize bytes) {
  if (bytes >= (VkDeviceSize(1) << 20))
    return std::to_string(bytes >> 20) + " MiB (" + std::to_string(bytes) +
           " bytes)";
  return std::to_string(bytes) + " bytes";
}

int64_t requestedDevice = -1;

} // namespace

bool Executor::check(VkResult r, const char *what) {
  if (r == VK_SUCCESS)
    return true;
  failKernel(std::string("Vulkan: ") + what + ": " + vulkanResultText(r),
             CREDO_ERR_DEVICE);
  return false;
}

bool Executor::ready() {
  if (!tried || choiceFailed) {
    tried = true;
    choiceFailed = false;
    std::string why;
    usable = initialize(why);
    if (!usable)
      unusable = why;
  }
  if (!usable)
    failKernel(unusable, CREDO_ERR_DEVICE);
  return usable;
}

/// Why CREDO_VULKAN_SUBGROUPS or CREDO_VULKAN_BARRIERS has a value they do
/// not take, or "" (checked before anything is created).
static std::string badSettings() {
  const char *subgroups = std::getenv("CREDO_VULKAN_SUBGROUPS");
  if (subgroups && *subgroups && std::string(subgroups) != "0" &&
      std::string(subgroups) != "1")
    return std::string("CREDO_VULKAN_SUBGROUPS must be 0 (workgroup memory "
                       "only) or 1 (subgroup operations where the device has "
                       "them), not '") +
           subgroups + "'";
  const char *barriers = std::getenv("CREDO_VULKAN_BARRIERS");
  if (barriers && *barriers && std::string(barriers) != "all" &&
      std::string(barriers) != "needed")
    return std::string("CREDO_VULKAN_BARRIERS must be 'all' or 'needed', "
                       "not '") +
           barriers + "'";
  return "";
}

bool Executor::initialize(std::string &why) {
  why = badSettings();
  if (!why.empty())
    return false;
  size_t index = 0;
  if (credo_vulkan_pick_device(requestedDevice, &index) != CREDO_OK) {
    why = credo_last_error();
    choiceFailed = true;
    return false;
  }
  opened = index;
  PFN_vkGetInstanceProcAddr gipa = vulkanLoader(why);
  if (!gipa)
    return false;
  instance = createVulkanInstance(gipa, why);
  if (!instance)
    return false;
#define X(name)                                                                \
  if (!name)                                                                   \
    name = reinterpret_cast<PFN_##name>(gipa(instance, #name));                \
  if (!name) {                                                                 \
    why = "the Vulkan loader lacks " #name;                                    \
    return false;                                                              \
  }
  CREDO_VK_FUNCTIONS(X)
#undef X
  uint32_t count = 0;
  vkEnumeratePhysicalDevices(instance, &count, nullptr);
  std::vector<VkPhysicalDevice> list(count);
  vkEnumeratePhysicalDevices(instance, &count, list.data());
  if (index >= list.size()) {
    why = "the Vulkan device " + std::to_string(index) + " is not there";
    return false;
  }
  physical = list[index];
  VkPhysicalDeviceProperties props{};
  vkGetPhysicalDeviceProperties(physical, &props);
  limits = props.limits;

  uint32_t families = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(physical, &families, nullptr);
  std::vector<VkQueueFamilyProperties> fam(families);
  vkGetPhysicalDeviceQueueFamilyProperties(physical, &families, fam.data());
  uint32_t family = families;
  for (uint32_t i = 0; i < families && family == families; ++i)
    if (fam[i].queueFlags & VK_QUEUE_COMPUTE_BIT)
      family = i;
  if (family == families) {
    why = std::string("the Vulkan device '") + props.deviceName +
          "' has no compute queue";
    return false;
  }
  timestamps = fam[family].timestampValidBits > 0;
  {
    // Subgroup arithmetic in compute kernels, as the device list has it
    // (listed once per process, in this instance's device order).
    std::vector<credo_device_info> infos(index + 1);
    size_t listed = 0;
    const char *off = std::getenv("CREDO_VULKAN_SUBGROUPS");
    subgroupArithmetic =
        credo_vulkan_devices(infos.data(), infos.size(), &listed) == CREDO_OK &&
        listed > index && infos[index].subgroup_arithmetic &&
        props.apiVersion >= VK_API_VERSION_1_1 &&
        !(off && std::string(off) == "0");
  }
  if (const char *b = std::getenv("CREDO_VULKAN_BARRIERS"))
    alwaysBarrier = std::string(b) == "all";
  timestampPeriod = props.limits.timestampPeriod;
  // Kernels ask for IEEE infinities and NaN (SignedZeroInfNanPreserve):
  // Vulkan 1.2, or 1.1 with VK_KHR_shader_float_controls.
  const char *floatControls = VK_KHR_SHADER_FLOAT_CONTROLS_EXTENSION_NAME;
  std::vector<const char *> extensions;
  {
    uint32_t n = 0;
    vkEnumerateDeviceExtensionProperties(physical, nullptr, &n, nullptr);
    std::vector<VkExtensionProperties> list(n);
    vkEnumerateDeviceExtensionProperties(physical, nullptr, &n, list.data());
    bool has = false;
    for (const VkExtensionProperties &e : list)
      has |= std::strcmp(e.extensionName, floatControls) == 0;
    VkPhysicalDeviceFloatControlsPropertiesKHR fc{};
    fc.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FLOAT_CONTROLS_PROPERTIES_KHR;
    VkPhysicalDeviceProperties2 p2{};
    p2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
    p2.pNext = has ? &fc : nullptr;
    vkGetPhysicalDeviceProperties2(physical, &p2);
    if (!has || !fc.shaderSignedZeroInfNanPreserveFloat32) {
      why = std::string("the Vulkan device '") + props.deviceName +
            "' cannot keep infinities and NaN in kernels "
            "(VK_KHR_shader_float_controls, "
            "shaderSignedZeroInfNanPreserveFloat32), which Credo needs to "
            "report diverging training";
      return false;
    }
    preserves64 = fc.shaderSignedZeroInfNanPreserveFloat64;
    extensions.push_back(floatControls);
  }
  VkPhysicalDeviceFeatures available{}, enabled{};
  vkGetPhysicalDeviceFeatures(physical, &available);
  enabled.shaderInt64 = available.shaderInt64;
  enabled.shaderFloat64 = available.shaderFloat64;
  float priority = 1.0f;
  VkDeviceQueueCreateInfo queueInfo{};
  queueInfo.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
  queueInfo.queueFamilyIndex = family;
  queueInfo.queueCount = 1;
  queueInfo.pQueuePriorities = &priority;
  VkDeviceCreateInfo deviceInfo{};
  deviceInfo.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
  deviceInfo.queueCreateInfoCount = 1;
  deviceInfo.pQueueCreateInfos = &queueInfo;
  deviceInfo.pEnabledFeatures = &enabled;
  deviceInfo.enabledExtensionCount = uint32_t(extensions.size());
  deviceInfo.ppEnabledExtensionNames = extensions.data();
  if (VkResult r = vkCreateDevice(physical, &deviceInfo, nullptr, &device);
      r != VK_SUCCESS) {
    why = std::string("cannot open the Vulkan device '") + props.deviceName +
          "': " + vulkanResultText(r);
    return false;
  }
  vkGetDeviceQueue(device, family, 0, &queue);

  // Memory the host can map, device-local if the device has such; in
  // staging mode the blocks are device-local memory (preferably memory the
  // host cannot map: a discrete GPU's large heap) and the mapped memory
  // holds the staging buffer and the scalars.
  VkPhysicalDeviceMemoryProperties mem{};
  vkGetPhysicalDeviceMemoryProperties(physical, &mem);
  std::string mode;
  if (const char *m = std::getenv("CREDO_VULKAN_MEMORY"))
    mode = m;
  if (!mode.empty() && mode != "mapped" && mode != "staging") {
    why =
        "CREDO_VULKAN_MEMORY must be 'mapped' or 'staging', not '" + mode + "'";
    return false;
  }
  int local = -1;
  for (uint32_t i = 0; i < mem.memoryTypeCount; ++i) {
    VkMemoryPropertyFlags f = mem.memoryTypes[i].propertyFlags;
    if (!(f & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT))
      continue;
    if (local < 0 || (!(f & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) &&
                      (mem.memoryTypes[local].propertyFlags &
                       VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT)))
      local = int(i);
  }
  staging = mode == "staging" ||
            (mode.empty() && local >= 0 &&
             props.deviceType == VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU);
  const VkMemoryPropertyFlags mapped = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                       VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  int best = -1;
  for (uint32_t i = 0; i < mem.memoryTypeCount; ++i) {
    VkMemoryPropertyFlags f = mem.memoryTypes[i].propertyFlags;
    if ((f & mapped) != mapped)
      continue;
    if (best < 0 || ((f & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT) &&
                     !(mem.memoryTypes[best].propertyFlags &
                       VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT)))
      best = int(i);
  }
  if (best < 0) {
    why = std::string("the Vulkan device '") + props.deviceName +
          "' has no host-visible coherent memory";
    return false;
  }
  memoryType = uint32_t(staging && local >= 0 ? local : best);
  stagingMemoryType = uint32_t(best);

  VkCommandPoolCreateInfo poolInfo{};
  poolInfo.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
  poolInfo.flags = VK_COMMAND_POOL_CREATE_TRANSIENT_BIT;
  poolInfo.queueFamilyIndex = family;
  VkCommandBufferAllocateInfo cmdInfo{};
  cmdInfo.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
  cmdInfo.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  cmdInfo.commandBufferCount = 1;
  VkFenceCreateInfo fenceInfo{};
  fenceInfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
  VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                            kDescriptorsPerPool};
  VkDescriptorPoolCreateInfo descInfo{};
  descInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
  descInfo.maxSets = kSetsPerPool;
  descInfo.poolSizeCount = 1;
  descInfo.pPoolSizes = &size;
  if (vkCreateCommandPool(device, &poolInfo, nullptr, &commandPool) !=
          VK_SUCCESS ||
      (cmdInfo.commandPool = commandPool,
       vkAllocateCommandBuffers(device, &cmdInfo, &commands) != VK_SUCCESS) ||
      vkCreateFence(device, &fenceInfo, nullptr, &fence) != VK_SUCCESS ||
      vkCreateDescriptorPool(device, &descInfo, nullptr, &descriptors) !=
          VK_SUCCESS) {
    why = "cannot create the Vulkan command and descriptor pools";
    return false;
  }
  scalars.reset(newBlock(kScalarBytes, why, /*hostVisible=*/true));
  if (!scalars)
    return false;
  if (timestamps) {
    VkQueryPoolCreateInfo q{};
    q.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO;
    q.queryType = VK_QUERY_TYPE_TIMESTAMP;
    q.queryCount = kQueries;
    if (vkCreateQueryPool(device, &q, nullptr, &queries) != VK_SUCCESS)
      timestamps = false;
  }
  return true;
}

Block *Executor::newBlock(VkDeviceSize bytes, std::string &why,
                          bool hostVisible) {
  const uint32_t type = hostVisible ? stagingMemoryType : memoryType;
  const bool map = hostVisible || !staging;
  auto block = std::make_unique<Block>();
  VkBufferCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
  info.size = bytes;
  info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
               VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
               VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  if (VkResult r = vkCreateBuffer(device, &info, nullptr, &block->buffer);
      r != VK_SUCCESS) {
    why = "cannot create a Vulkan buffer of " + bytesText(bytes) + ": " +
          vulkanResultText(r);
    return nullptr;
  }
  VkMemoryRequirements req{};
  vkGetBufferMemoryRequirements(device, block->buffer, &req);
  if (!(req.memoryTypeBits & (1u << type))) {
    why = map ? "the Vulkan device cannot place storage buffers in mapped "
                "memory"
              : "the Vulkan device cannot place storage buffers in its "
                "device-local memory";
    return nullptr;
  }
  VkMemoryAllocateInfo alloc{};
  alloc.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
  alloc.allocationSize = req.size;
  alloc.memoryTypeIndex = type;
  void *p = nullptr;
  if (VkResult r = vkAllocateMemory(device, &alloc, nullptr, &block->memory);
      r != VK_SUCCESS) {
    why = "cannot allocate " + bytesText(req.size) +
          " of Vulkan device memory: " + vulkanResultText(r);
    return nullptr;
  }
  if (vkBindBufferMemory(device, block->buffer, block->memory, 0) !=
      VK_SUCCESS) {
    why = "cannot bind Vulkan device memory";
    return nullptr;
  }
  if (map) {
    if (vkMapMemory(device, block->memory, 0, VK_WHOLE_SIZE, 0, &p) !=
        VK_SUCCESS) {
      why = "cannot map Vulkan device memory";
      return nullptr;
    }
    block->mapped = static_cast<char *>(p);
  } else {
    // The host's copy (pages are committed when the host first touches
    // them), aligned like the device's buffers.
    constexpr VkDeviceSize kAlign = 4096;
    block->shadow.reset(new (std::nothrow) char[bytes + kAlign]);
    if (!block->shadow) {
      why = "cannot allocate " + bytesText(bytes) +
            " of host memory for the copy of a Vulkan buffer";
      return nullptr;
    }
    auto at = reinterpret_cast<uintptr_t>(block->shadow.get());
    block->mapped =
        reinterpret_cast<char *>((at + kAlign - 1) / kAlign * kAlign);
  }
  block->size = bytes;
  return block.release();
}

void *Executor::allocate(size_t bytes, bool held) {
  if (!ready())
    return nullptr;
  VkDeviceSize align =
      std::max<VkDeviceSize>(256, limits.minStorageBufferOffsetAlignment);
  VkDeviceSize size =
      std::max<VkDeviceSize>(align, (bytes + align - 1) / align * align);
  if (size > limits.maxStorageBufferRange) {
    failKernel("Vulkan: a buffer of " + bytesText(bytes) +
                   " exceeds the device's largest storage buffer (" +
                   bytesText(limits.maxStorageBufferRange) +
                   "); with a batch dimension, a smaller batch makes the "
                   "buffers smaller",
               CREDO_ERR_DEVICE);
    return nullptr;
  }
  char *p = nullptr;
  auto &free = cached[size];
  if (!free.empty()) {
    p = free.back();
    free.pop_back();
  } else {
    VkDeviceSize blockBytes =
        std::min<VkDeviceSize>(kBlockBytes, limits.maxStorageBufferRange);
    if (!current || current->size - current->used < size) {
      std::string why;
      Block *b = newBlock(std::max(blockBytes, size), why,
                          /*hostVisible=*/false);
      if (!b) {
        failKernel("Vulkan: " + why, CREDO_ERR_DEVICE);
        return nullptr;
      }
      blocks.emplace_back(b);
      byAddress[b->mapped] = b;
      if (size < blockBytes)
        current = b;
      else
        b->used = size;
      if (size >= blockBytes)
        p = b->mapped;
    }
    if (!p) {
      p = current->mapped + current->used;
      current->used += size;
    }
  }
  live[p] = Allocation{size, VkDeviceSize(bytes), sequence++};
  live[p].held = held;
  return p;
}

void Executor::release(void *ptr) {
  char *p = static_cast<char *>(ptr);
  auto it = live.find(p);
  if (it == live.end())
    return;
  if (recording) {
    deferred.push_back(p);
    return;
  }
  cached[it->second.size].push_back(p);
  live.erase(it);
}

void Executor::releaseSince(uint64_t mark) {
  // A failed call: what it recorded and has not run would only write its
  // own buffers, which go now.
  discard();
  std::vector<char *> gone;
  for (auto &[p, a] : live)
    if (a.sequence >= mark)
      gone.push_back(p);
  for (char *p : gone)
    release(p);
}

Block *Executor::blockOf(const char *p) {
  auto it = byAddress.upper_bound(p);
  if (it == byAddress.begin())
    return nullptr;
  --it;
  Block *b = it->second;
  return p < b->mapped + b->size ? b : nullptr;
}

/// Where each push-constant argument goes (-1: not one), in argument order at
/// the next offset aligned to its size, and the block's size in bytes.
uint32_t pushLayout(int64_t n, const int64_t *table,
                    std::vector<int64_t> *offsets) {
  uint32_t at = 0;
  for (int64_t i = 0; i < n; ++i) {
    int64_t kind = table[3 * i];
    int64_t offset = -1;
    if (kind & CREDO_VK_ARG_PUSH) {
      uint32_t bytes =
          (kind & ~int64_t(CREDO_VK_ARG_PUSH)) == CREDO_VK_ARG_SCALAR64 ? 8 : 4;
      at = (at + bytes - 1) / bytes * bytes;
      offset = at;
      at += bytes;
    }
    if (offsets)
      offsets->push_back(offset);
  }
  return at;
}

Pipeline *Executor::pipelineFor(const uint32_t *words, int64_t count,
                                const char *entry, int64_t n,
                                const int64_t *table) {
  auto kindOf = [&](int64_t i) {
    return table[3 * i] & ~int64_t(CREDO_VK_ARG_WRITTEN);
  };
  std::unique_ptr<Pipeline> &slot = pipelines[words];
  auto sameKinds = [&] {
    if (slot->kinds.size() != size_t(n))
      return false;
    for (int64_t i = 0; i < n; ++i)
      if (slot->kinds[size_t(i)] != kindOf(i))
        return false;
    return true;
  };
  if (slot && slot->words.size() == size_t(count) &&
      std::memcmp(slot->words.data(), words, size_t(count) * 4) == 0 &&
      slot->entry == entry && sameKinds())
    return slot.get();
  std::vector<int64_t> kinds;
  for (int64_t i = 0; i < n; ++i)
    kinds.push_back(kindOf(i));
  // A kernel not seen at this address (or another module loaded there).
  auto p = std::make_unique<Pipeline>();
  p->words.assign(words, words + count);
  p->entry = entry;
  p->kinds = kinds;
  p->pushBytes = pushLayout(n, table, nullptr);
  if (p->pushBytes > limits.maxPushConstantsSize) {
    failKernel("Vulkan: a kernel's scalar arguments need " +
                   std::to_string(p->pushBytes) +
                   " bytes of push constants, more than the device's " +
                   std::to_string(limits.maxPushConstantsSize),
               CREDO_ERR_DEVICE);
    return nullptr;
  }
  // A binding per argument that is not a push constant (its index).
  std::vector<VkDescriptorSetLayoutBinding> b;
  for (int64_t i = 0; i < n; ++i) {
    if (kinds[size_t(i)] & CREDO_VK_ARG_PUSH)
      continue;
    VkDescriptorSetLayoutBinding binding{};
    binding.binding = uint32_t(i);
    binding.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    binding.descriptorCount = 1;
    binding.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    b.push_back(binding);
  }
  VkDescriptorSetLayoutCreateInfo setInfo{};
  setInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO;
  setInfo.bindingCount = uint32_t(b.size());
  setInfo.pBindings = b.data();
  if (!check(
          vkCreateDescriptorSetLayout(device, &setInfo, nullptr, &p->setLayout),
          "cannot create a descriptor set layout"))
    return nullptr;
  VkPipelineLayoutCreateInfo layoutInfo{};
  layoutInfo.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
  layoutInfo.setLayoutCount = 1;
  layoutInfo.pSetLayouts = &p->setLayout;
  VkPushConstantRange push{VK_SHADER_STAGE_COMPUTE_BIT, 0, p->pushBytes};
  if (p->pushBytes > 0) {
    layoutInfo.pushConstantRangeCount = 1;
    layoutInfo.pPushConstantRanges = &push;
  }
  if (!check(vkCreatePipelineLayout(device, &layoutInfo, nullptr, &p->layout),
             "cannot create a pipeline layout"))
    return nullptr;
  VkShaderModuleCreateInfo moduleInfo{};
  moduleInfo.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
  moduleInfo.codeSize = size_t(count) * 4;
  moduleInfo.pCode = p->words.data();
  VkShaderModule module = VK_NULL_HANDLE;
  if (!check(vkCreateShaderModule(device, &moduleInfo, nullptr, &module),
             "cannot create a shader module from the kernel's SPIR-V"))
    return nullptr;
  VkComputePipelineCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO;
  info.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  info.stage.module = module;
  info.stage.pName = p->entry.c_str();
  info.layout = p->layout;
  VkResult r = vkCreateComputePipelines(device, VK_NULL_HANDLE, 1, &info,
                                        nullptr, &p->pipeline);
  vkDestroyShaderModule(device, module, nullptr);
  if (!check(r, "cannot create a compute pipeline for a kernel"))
    return nullptr;
  slot = std::move(p);
  return slot.get();
}

VkDescriptorSet Executor::descriptorSet(VkDescriptorSetLayout layout) {
  VkDescriptorSetAllocateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO;
  info.descriptorPool = descriptors;
  info.descriptorSetCount = 1;
  info.pSetLayouts = &layout;
  VkDescriptorSet set = VK_NULL_HANDLE;
  if (vkAllocateDescriptorSets(device, &info, &set) == VK_SUCCESS)
    return set;
  // The pool is spent: finish the recorded work and start it afresh.
  sync();
  if (vkAllocateDescriptorSets(device, &info, &set) == VK_SUCCESS)
    return set;
  failKernel("Vulkan: cannot allocate a descriptor set", CREDO_ERR_DEVICE);
  return VK_NULL_HANDLE;
}

void Executor::begin() {
  if (recording)
    return;
  VkCommandBufferBeginInfo info{};
  info.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  info.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  if (check(vkBeginCommandBuffer(commands, &info), "cannot record commands"))
    recording = true;
  if (recording && profiling) {
    vkCmdResetQueryPool(commands, queries, 0, kQueries);
    queriesUsed = 0;
    queryLabels.clear();
  }
}

void Executor::sync() {
  if (!recording)
    return;
  // Kernel and transfer writes become visible to the host after the fence.
  VkMemoryBarrier toHost{};
  toHost.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
  toHost.srcAccessMask =
      VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  toHost.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
  vkCmdPipelineBarrier(
      commands,
      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
      VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &toHost, 0, nullptr, 0, nullptr);
  // Kept until the work ran: if it does not, its uploads and writes did not
  // happen either.
  std::vector<char *> uploaded = uploadedPending, written = writtenMarked;
  bool ran = false;
  endRecording();
  if (check(vkEndCommandBuffer(commands), "cannot finish the commands")) {
    VkSubmitInfo submit{};
    submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
    submit.commandBufferCount = 1;
    submit.pCommandBuffers = &commands;
    submissions += profiling;
    if (check(vkQueueSubmit(queue, 1, &submit, fence),
              "cannot submit the kernels")) {
      VkResult r;
      do
        r = vkWaitForFences(device, 1, &fence, VK_TRUE, 1000000000ull);
      while (r == VK_TIMEOUT);
      ran = check(r, "waiting for the kernels");
      vkResetFences(device, 1, &fence);
      if (r == VK_SUCCESS && queriesUsed > 0) {
        std::vector<uint64_t> ticks(queriesUsed);
        if (vkGetQueryPoolResults(device, queries, 0, queriesUsed,
                                  ticks.size() * sizeof(uint64_t), ticks.data(),
                                  sizeof(uint64_t),
                                  VK_QUERY_RESULT_64_BIT |
                                      VK_QUERY_RESULT_WAIT_BIT) == VK_SUCCESS)
          for (uint32_t i = 0; i + 1 < queriesUsed; i += 2) {
            KernelTime &t = profile[queryLabels[i / 2]];
            t.calls += 1;
            t.ns += double(ticks[i + 1] - ticks[i]) * timestampPeriod;
          }
      }
      queriesUsed = 0;
      queryLabels.clear();
    }
  }
  if (!ran)
    undoFlags(uploaded, written);
  reuseRecordingState();
}

void Executor::undoFlags(const std::vector<char *> &uploaded,
                         const std::vector<char *> &written) {
  for (char *p : uploaded)
    if (auto it = live.find(p); it != live.end())
      it->second.hostNewer = true;
  for (char *p : written)
    if (auto it = live.find(p); it != live.end())
      it->second.deviceNewer = false;
}

void Executor::endRecording() {
  recording = false;
  pending = 0;
  stagingUsed = 0;
  uploadedPending.clear();
  writtenMarked.clear();
  readSince.clear();
  writtenSince.clear();
  transferSince = false;
  readSinceTransfer.clear();
  writtenSinceTransfer.clear();
  readPending.clear();
  writtenPending.clear();
}

void Executor::reuseRecordingState() {
  vkResetCommandPool(device, commandPool, 0);
  vkResetDescriptorPool(device, descriptors, 0);
  scalarsUsed = 0;
  std::vector<char *> freed;
  freed.swap(deferred);
  for (char *p : freed)
    release(p);
}

bool Executor::overlapsPending(const char *p, VkDeviceSize bytes, bool write) {
  Block *b = blockOf(p);
  if (!b || bytes == 0)
    return false; // memory no kernel can touch
  auto begin = VkDeviceSize(p - b->mapped);
  Span span{b->buffer, begin, std::min(b->size, begin + bytes)};
  return overlapsAny({span}, writtenPending) ||
         (write && overlapsAny({span}, readPending));
}

void Executor::syncRange(const char *p, VkDeviceSize bytes, bool write) {
  if (!staging) {
    if (recording && overlapsPending(p, bytes, write))
      sync();
    return;
  }
  // Staging: the host's copy is what the host touches; the device's is
  // fetched if a kernel wrote it, and sent before the next kernel that
  // uses it if the host writes. (Recorded kernels read the device's copy,
  // so a host write need not wait for them.)
  auto *entry = allocationOf(p);
  if (!entry || bytes == 0)
    return;
  if (entry->second.deviceNewer)
    download({{entry->first, &entry->second}});
  if (write)
    entry->second.hostNewer = true;
}

void Executor::hostRead(
    const std::vector<std::pair<const char *, size_t>> &ranges) {
  if (!staging) {
    for (auto [p, bytes] : ranges)
      if (recording && overlapsPending(p, bytes, /*write=*/false))
        sync();
    return;
  }
  std::vector<std::pair<char *, Allocation *>> fetch;
  for (auto [p, bytes] : ranges)
    if (auto *a = bytes > 0 ? allocationOf(p) : nullptr;
        a && a->second.deviceNewer &&
        std::none_of(fetch.begin(), fetch.end(),
                     [&](auto &f) { return f.first == a->first; }))
      fetch.emplace_back(a->first, &a->second);
  download(fetch);
}

void Executor::syncAll() {
  if (!staging) {
    sync();
    return;
  }
  // An access of unknown extent: every buffer's latest copy on the host,
  // and the host may change any of them (not the runtime's own, such as a
  // model's parameters, which the host code reaches only through copies).
  std::vector<std::pair<char *, Allocation *>> fetch;
  for (auto &[p, a] : live)
    if (a.deviceNewer && !a.held)
      fetch.emplace_back(p, &a);
  download(fetch);
  sync();
  for (auto &[p, a] : live)
    a.hostNewer = a.hostNewer || !a.held;
}

void Executor::copy(char *to, const char *from, VkDeviceSize bytes) {
  if (bytes > 0 && copyOnDevice(to, from, bytes))
    return;
  if (!staging) {
    // Waits only for recorded work that writes what is read here, or
    // touches what is written.
    if (recording && (overlapsPending(from, bytes, /*write=*/false) ||
                      overlapsPending(to, bytes, /*write=*/true)))
      sync();
  } else if (bytes > 0) {
    syncRange(from, bytes, /*write=*/false);
    // A partial write keeps the rest of the buffer: the host's copy must
    // be the latest first (syncRange fetches it).
    syncRange(to, bytes, /*write=*/true);
  }
  if (bytes > 0 && to != from)
    std::memmove(to, from, size_t(bytes));
}

bool Executor::copyOnDevice(char *to, const char *from, VkDeviceSize bytes) {
  auto *src = allocationOf(from), *dst = allocationOf(to);
  if (!src || !dst || src == dst ||
      from + bytes > src->first + src->second.size ||
      to + bytes > dst->first + dst->second.size)
    return false;
  // A model's parameters kept on the device (credo_model_place) are copied
  // into and out of an entry point's buffers without the host.
  const bool whole = to == dst->first && bytes >= dst->second.bytes;
  if (staging) {
    // The host's changes first; also the destination's, whose untouched
    // part the copy keeps (a copy over all of it makes them void).
    std::vector<std::pair<char *const, Allocation> *> first;
    if (src->second.hostNewer)
      first.push_back(src);
    if (dst->second.hostNewer && !whole)
      first.push_back(dst);
    if (!upload(first))
      return true; // the failure is recorded
  }
  begin();
  if (!recording)
    return true;
  if (staging && whole && dst->second.hostNewer) {
    // Void once the copy runs; they count again if it is dropped.
    dst->second.hostNewer = false;
    uploadedPending.push_back(dst->first);
  }
  Block *bs = blockOf(from), *bd = blockOf(to);
  auto at = [](Block *b, const char *p) { return VkDeviceSize(p - b->mapped); };
  Span read{bs->buffer, at(bs, from), at(bs, from) + bytes};
  Span written{bd->buffer, at(bd, to), at(bd, to) + bytes};
  if (pending > 0 &&
      (alwaysBarrier || overlapsAny({read}, writtenSinceTransfer) ||
       overlapsAny({written}, writtenSinceTransfer) ||
       overlapsAny({written}, readSinceTransfer)))
    transferBarrier();
  VkBufferCopy region{read.begin, written.begin, bytes};
  vkCmdCopyBuffer(commands, bs->buffer, bd->buffer, 1, &region);
  readSince.push_back(read);
  writtenSince.push_back(written);
  readSinceTransfer.push_back(read);
  writtenSinceTransfer.push_back(written);
  readPending.push_back(read);
  writtenPending.push_back(written);
  transferSince = true;
  ++pending;
  if (staging && !dst->second.deviceNewer) {
    dst->second.deviceNewer = true;
    writtenMarked.push_back(dst->first);
  }
  copied += profiling ? bytes : 0;
  return true;
}

std::pair<char *const, Allocation> *Executor::allocationOf(const char *p) {
  auto it = live.upper_bound(const_cast<char *>(p));
  if (it == live.begin())
    return nullptr;
  --it;
  return p < it->first + it->second.size ? &*it : nullptr;
}

void Executor::transferBarrier() {
  VkMemoryBarrier barrier{};
  barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
  barrier.srcAccessMask =
      VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  barrier.dstAccessMask =
      VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
      VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  const VkPipelineStageFlags stages =
      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
  vkCmdPipelineBarrier(commands, stages, stages, 0, 1, &barrier, 0, nullptr, 0,
                       nullptr);
  // Everything before is ordered with everything after.
  readSince.clear();
  writtenSince.clear();
  transferSince = false;
  readSinceTransfer.clear();
  writtenSinceTransfer.clear();
  barriers += profiling;
}

bool Executor::reserveStaging(VkDeviceSize bytes) {
  if (stagingBlock && stagingUsed + bytes <= stagingBlock->size)
    return true;
  if (stagingUsed > 0)
    sync(); // the recorded copies still read the staging space
  if (stagingBlock && bytes <= stagingBlock->size)
    return true;
  std::string why;
  Block *b = newBlock(std::max(kStagingBytes, bytes), why,
                      /*hostVisible=*/true);
  if (!b) {
    failKernel("Vulkan: " + why, CREDO_ERR_DEVICE);
    return false;
  }
  if (stagingBlock)
    blocks.push_back(std::move(stagingBlock)); // kept, as every block
  stagingBlock.reset(b);
  return true;
}

bool Executor::upload(
    const std::vector<std::pair<char *const, Allocation> *> &list) {
  if (list.empty())
    return true;
  VkDeviceSize total = 0;
  for (auto *a : list)
    total += a->second.size;
  if (!reserveStaging(total))
    return false;
  begin();
  if (!recording)
    return false;
  transferBarrier(); // after the kernels that still use the device's copy
  for (auto *a : list) {
    char *p = a->first;
    Block *b = blockOf(p);
    std::memcpy(stagingBlock->mapped + stagingUsed, p, size_t(a->second.size));
    VkBufferCopy region{stagingUsed, VkDeviceSize(p - b->mapped),
                        a->second.size};
    vkCmdCopyBuffer(commands, stagingBlock->buffer, b->buffer, 1, &region);
    stagingUsed += a->second.size;
    uploaded += profiling ? a->second.size : 0;
    a->second.hostNewer = false;
    uploadedPending.push_back(p);
  }
  transferBarrier(); // before the kernels that read them
  return true;
}

void Executor::results(int64_t n, const int64_t *table) {
  auto to = [&](int64_t i) { return reinterpret_cast<char *>(table[3 * i]); };
  auto from = [&](int64_t i) {
    return reinterpret_cast<const char *>(table[3 * i + 1]);
  };
  auto bytes = [&](int64_t i) {
    return VkDeviceSize(std::max<int64_t>(table[3 * i + 2], 0));
  };
  std::vector<bool> done(size_t(std::max<int64_t>(n, 0)));
  std::vector<std::pair<const char *, size_t>> reads;
  for (int64_t i = 0; i < n; ++i) {
    done[size_t(i)] = bytes(i) == 0 || copyOnDevice(to(i), from(i), bytes(i));
    if (!done[size_t(i)])
      reads.emplace_back(from(i), size_t(bytes(i)));
  }
  hostRead(reads); // one fetch for all
  for (int64_t i = 0; i < n; ++i)
    if (!done[size_t(i)])
      copy(to(i), from(i), bytes(i));
}

void Executor::download(
    const std::vector<std::pair<char *, Allocation *>> &requested) {
  if (requested.empty())
    return;
  // By address and size: a sync below (making staging space, or running
  // the copies) releases what the recorded work freed, deferred until it
  // ran, so an Allocation of the list may be gone after it; such a buffer
  // is read by nothing any more and is not fetched.
  std::vector<std::pair<char *, VkDeviceSize>> buffers;
  VkDeviceSize total = 0;
  for (auto &[p, a] : requested) {
    buffers.emplace_back(p, a->size);
    total += a->size;
  }
  if (!reserveStaging(total))
    return;
  begin();
  if (!recording)
    return;
  transferBarrier(); // after the kernels that write them
  VkDeviceSize at = stagingUsed;
  std::vector<VkDeviceSize> offsets;
  for (auto &[p, size] : buffers) {
    Block *b = live.count(p) ? blockOf(p) : nullptr;
    offsets.push_back(b ? at : ~VkDeviceSize(0));
    if (!b)
      continue;
    VkBufferCopy region{VkDeviceSize(p - b->mapped), at, size};
    vkCmdCopyBuffer(commands, b->buffer, stagingBlock->buffer, 1, &region);
    at += size;
  }
  stagingUsed = at;
  sync();
  for (size_t i = 0; i < buffers.size(); ++i) {
    auto [p, size] = buffers[i];
    auto it = live.find(p);
    if (it == live.end() || offsets[i] == ~VkDeviceSize(0))
      continue;
    std::memcpy(p, stagingBlock->mapped + offsets[i], size_t(size));
    downloaded += profiling ? size : 0;
    it->second.deviceNewer = false;
  }
}

void Executor::discard() {
  if (!recording)
    return;
  vkEndCommandBuffer(commands);
  // The dropped uploads did not happen, nor the dropped kernels' writes.
  undoFlags(uploadedPending, writtenMarked);
  endRecording();
  queriesUsed = 0;
  queryLabels.clear();
  reuseRecordingState();
}

bool Executor::setProfiling(bool on) {
  if (on && !ready())
    return false;
  if (on && !timestamps)
    return false;
  sync();
  profiling = on;
  return true;
}

void Executor::dispatch(const uint32_t *words, int64_t count, const char *entry,
                        const char *label, const int64_t groups[3], int64_t n,
                        const int64_t *table) {
  if (!ready())
    return;
  for (int d = 0; d < 3; ++d)
    if (groups[d] < 0 ||
        uint64_t(groups[d]) > limits.maxComputeWorkGroupCount[d]) {
      failKernel("Vulkan: a kernel needs " + std::to_string(groups[d]) +
                     " workgroups in dimension " + std::to_string(d) +
                     ", more than the device's " +
                     std::to_string(limits.maxComputeWorkGroupCount[d]),
                 CREDO_ERR_DEVICE);
      return;
    }
  if (groups[0] == 0 || groups[1] == 0 || groups[2] == 0)
    return;
  Pipeline *p = pipelineFor(words, count, entry, n, table);
  if (!p)
    return;
  // Staging: buffers the host changed go to the device first (before the
  // descriptor set and scalars below, since an upload may submit).
  std::vector<std::pair<char *const, Allocation> *> writtenBuffers, toUpload;
  if (staging)
    for (int64_t i = 0; i < n; ++i) {
      int64_t kind = table[3 * i];
      if ((kind & ~int64_t(CREDO_VK_ARG_WRITTEN)) != CREDO_VK_ARG_BUFFER)
        continue;
      auto *a = allocationOf(reinterpret_cast<const char *>(table[3 * i + 1]));
      if (!a)
        continue;
      if (a->second.hostNewer &&
          std::find(toUpload.begin(), toUpload.end(), a) == toUpload.end())
        toUpload.push_back(a);
      if (kind & CREDO_VK_ARG_WRITTEN)
        writtenBuffers.push_back(a);
    }
  if (!upload(toUpload))
    return;
  VkDeviceSize align =
      std::max<VkDeviceSize>(16, limits.minStorageBufferOffsetAlignment);
  if (scalarsUsed + VkDeviceSize(n) * align > scalars->size)
    sync();
  VkDescriptorSet set = descriptorSet(p->setLayout);
  if (!set)
    return;
  std::vector<VkDescriptorBufferInfo> infos(static_cast<size_t>(n));
  std::vector<VkWriteDescriptorSet> writes;
  std::vector<Span> reads, written;
  std::vector<int64_t> pushOffsets;
  std::vector<char> push(pushLayout(n, table, &pushOffsets));
  for (int64_t i = 0; i < n; ++i) {
    int64_t kind = table[3 * i], value = table[3 * i + 1],
            bytes = table[3 * i + 2];
    VkDescriptorBufferInfo &info = infos[size_t(i)];
    if (kind & CREDO_VK_ARG_PUSH) {
      bool wide = (kind & ~int64_t(CREDO_VK_ARG_PUSH)) == CREDO_VK_ARG_SCALAR64;
      std::memcpy(push.data() + pushOffsets[size_t(i)], &value, wide ? 8 : 4);
      continue;
    }
    if ((kind & ~int64_t(CREDO_VK_ARG_WRITTEN)) == CREDO_VK_ARG_BUFFER) {
      const char *ptr = reinterpret_cast<const char *>(value);
      Block *b = blockOf(ptr);
      if (!b) {
        failKernel("Vulkan: kernel argument " + std::to_string(i) +
                       " is not in device memory",
                   CREDO_ERR_BACKEND);
        return;
      }
      VkDeviceSize offset = VkDeviceSize(ptr - b->mapped);
      if (offset % limits.minStorageBufferOffsetAlignment != 0 ||
          offset + VkDeviceSize(bytes) > b->size) {
        failKernel("Vulkan: kernel argument " + std::to_string(i) +
                       " is not a whole device buffer",
                   CREDO_ERR_BACKEND);
        return;
      }
      info.buffer = b->buffer;
      info.offset = offset;
      info.range = bytes > 0 ? VkDeviceSize(bytes) : VK_WHOLE_SIZE;
      Span span{b->buffer, offset,
                bytes > 0 ? offset + VkDeviceSize(bytes) : b->size};
      (kind & CREDO_VK_ARG_WRITTEN ? written : reads).push_back(span);
    } else {
      char *slot = scalars->mapped + scalarsUsed;
      std::memcpy(slot, &value, kind == CREDO_VK_ARG_SCALAR64 ? 8 : 4);
      info.buffer = scalars->buffer;
      info.offset = scalarsUsed;
      info.range = kind == CREDO_VK_ARG_SCALAR64 ? 8 : 4;
      scalarsUsed += align;
    }
    VkWriteDescriptorSet &w = writes.emplace_back();
    w.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
    w.dstSet = set;
    w.dstBinding = uint32_t(i);
    w.descriptorCount = 1;
    w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    w.pBufferInfo = &info;
  }
  vkUpdateDescriptorSets(device, uint32_t(writes.size()), writes.data(), 0,
                         nullptr);
  begin();
  if (!recording)
    return;
  bool hazard = alwaysBarrier || overlapsAny(reads, writtenSince) ||
                overlapsAny(written, writtenSince) ||
                overlapsAny(written, readSince);
  if (pending > 0 && hazard && transferSince) {
    transferBarrier(); // also after a buffer copy
  } else if (pending > 0 && hazard) {
    // The kernel sees the writes of the ones before it (and does not
    // overwrite what they still read).
    readSince.clear();
    writtenSince.clear();
    barriers += profiling;
    VkMemoryBarrier barrier{};
    barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
    barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
    barrier.dstAccessMask =
        VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
    vkCmdPipelineBarrier(commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                         VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &barrier,
                         0, nullptr, 0, nullptr);
  }
  readSince.insert(readSince.end(), reads.begin(), reads.end());
  writtenSince.insert(writtenSince.end(), written.begin(), written.end());
  readPending.insert(readPending.end(), reads.begin(), reads.end());
  writtenPending.insert(writtenPending.end(), written.begin(), written.end());
  readSinceTransfer.insert(readSinceTransfer.end(), reads.begin(), reads.end());
  writtenSinceTransfer.insert(writtenSinceTransfer.end(), written.begin(),
                              written.end());
  vkCmdBindPipeline(commands, VK_PIPELINE_BIND_POINT_COMPUTE, p->pipeline);
  vkCmdBindDescriptorSets(commands, VK_PIPELINE_BIND_POINT_COMPUTE, p->layout,
                          0, 1, &set, 0, nullptr);
  if (!push.empty())
    vkCmdPushConstants(commands, p->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0,
                       uint32_t(push.size()), push.data());
  bool timed = profiling && queriesUsed + 2 <= kQueries;
  if (timed) {
    vkCmdWriteTimestamp(commands, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, queries,
                        queriesUsed++);
    queryLabels.push_back(label ? label : entry);
  }
  vkCmdDispatch(commands, uint32_t(groups[0]), uint32_t(groups[1]),
                uint32_t(groups[2]));
  if (timed)
    vkCmdWriteTimestamp(commands, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries,
                        queriesUsed++);
  ++pending;
  dispatches += profiling;
  for (auto *a : writtenBuffers)
    if (!a->second.deviceNewer) {
      a->second.deviceNewer = true;
      writtenMarked.push_back(a->first);
    }
  // A full query pool: submit, read the times, start afresh.
  if (profiling && queriesUsed + 2 > kQueries)
    sync();
}

namespace credo::rt {

uint64_t vulkanMark() {
  Executor &e = executor();
  std::lock_guard<std::mutex> lock(e.mutex);
  return e.mark();
}

void vulkanHostRead(
    const std::vector<std::pair<const char *, size_t>> &ranges) {
  Executor &e = executor();
  std::lock_guard<std::mutex> lock(e.mutex);
  e.hostRead(ranges);
}

void *vulkanAllocateHeld(size_t bytes) {
  Executor &e = executor();
  std::lock_guard<std::mutex> lock(e.mutex);
  return e.allocate(bytes, /*held=*/true);
}

void vulkanFinish() {
  Executor &e = executor();
  std::lock_guard<std::mutex> lock(e.mutex);
  e.sync();
}

void vulkanReleaseSince(uint64_t mark) {
  Executor &e = executor();
  std::lock_guard<std::mutex> lock(e.mutex);
  e.releaseSince(mark);
}

} // namespace credo::rt

extern "C" {

credo_status credo_vulkan_use_device(int64_t index) {
  if (index < -1)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_vulkan_use_device: the index must be a device index "
                "or -1 (let Credo choose), not " +
                    std::to_string(index));
  size_t chosen = 0;
  if (credo_status s = credo_vulkan_pick_device(index, &chosen); s != CREDO_OK)
    return fail(s,
                std::string("credo_vulkan_use_device: ") + credo_last_error());
  Executor &e = executor();
  std::lock_guard<std::mutex> lock(e.mutex);
  if (e.isOpen() && chosen != e.deviceIndex())
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_vulkan_use_device: this process already uses Vulkan "
                "device " +
                    std::to_string(e.deviceIndex()) +
                    "; choose the device before the first Vulkan call");
  requestedDevice = index;
  return CREDO_OK;
}

void *credo_rt_vk_alloc(size_t bytes) {
  Executor &e = executor();
  void *p;
  {
    std::lock_guard<std::mutex> lock(e.mutex);
    p = e.allocate(bytes);
  }
  if (!p)
    abortGuardedCall(bytes); // returns only outside a guarded call
  return p;
}

void *credo_rt_vk_aligned_alloc(size_t alignment, size_t bytes) {
  (void)alignment; // at most 64 from generated code; buffers are 256-aligned
  return credo_rt_vk_alloc(bytes);
}

void credo_rt_vk_free(void *ptr) {
  if (!ptr)
    return;
  Executor &e = executor();
  std::lock_guard<std::mutex> lock(e.mutex);
  e.release(ptr);
}

void credo_rt_vk_sync(void) {
  Executor &e = executor();
  std::lock_guard<std::mutex> lock(e.mutex);
  e.syncAll();
}

void credo_rt_vk_sync_range(int64_t address, int64_t bytes, int64_t write) {
  Executor &e = executor();
  std::lock_guard<std::mutex> lock(e.mutex);
  e.syncRange(reinterpret_cast<const char *>(address),
              VkDeviceSize(std::max<int64_t>(bytes, 0)), write != 0);
}

int32_t credo_rt_vk_subgroup_reduce(void) {
  Executor &e = executor();
  std::lock_guard<std::mutex> lock(e.mutex);
  return e.subgroupSums() ? 1 : 0;
}

void credo_rt_vk_results(int64_t count, int64_t table) {
  Executor &e = executor();
  std::lock_guard<std::mutex> lock(e.mutex);
  e.results(count, reinterpret_cast<const int64_t *>(table));
}

void credo_rt_vk_copy(int64_t to, int64_t from, int64_t bytes) {
  Executor &e = executor();
  std::lock_guard<std::mutex> lock(e.mutex);
  e.copy(reinterpret_cast<char *>(to), reinterpret_cast<const char *>(from),
         VkDeviceSize(std::max<int64_t>(bytes, 0)));
}

void credo_rt_vk_dispatch(int64_t words, int64_t count, int64_t entry,
                          int64_t label, int64_t gx, int64_t gy, int64_t gz,
                          int64_t n, int64_t table) {
  Executor &e = executor();
  std::lock_guard<std::mutex> lock(e.mutex);
  const int64_t groups[3] = {gx, gy, gz};
  e.dispatch(reinterpret_cast<const uint32_t *>(words), count,
             reinterpret_cast<const char *>(entry),
             reinterpret_cast<const char *>(label), groups, n,
             reinterpret_cast<const int64_t *>(table));
}

credo_status credo_vulkan_profile(int enable) {
  Executor &e = executor();
  std::lock_guard<std::mutex> lock(e.mutex);
  if (e.setProfiling(enable != 0))
    return CREDO_OK;
  credo_status s = credo_rt_take_status();
  if (s != CREDO_OK)
    return fail(s, credo_last_error());
  return fail(CREDO_ERR_DEVICE,
              "the Vulkan device's compute queue has no timestamps");
}

credo_status credo_vulkan_profile_counts(uint64_t *dispatches,
                                         uint64_t *barriers,
                                         uint64_t *submissions) {
  if (!dispatches || !barriers || !submissions)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_vulkan_profile_counts: a null pointer");
  Executor &e = executor();
  std::lock_guard<std::mutex> lock(e.mutex);
  e.sync();
  *dispatches = e.dispatches;
  *barriers = e.barriers;
  *submissions = e.submissions;
  return CREDO_OK;
}

credo_status credo_vulkan_profile_transfers(uint64_t *uploaded,
                                            uint64_t *downloaded,
                                            uint64_t *copied, int *staging) {
  if (!uploaded || !downloaded || !copied || !staging)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_vulkan_profile_transfers: a null pointer");
  Executor &e = executor();
  std::lock_guard<std::mutex> lock(e.mutex);
  e.sync();
  *uploaded = e.uploaded;
  *downloaded = e.downloaded;
  *copied = e.copied;
  *staging = e.stagingMode() ? 1 : 0;
  return CREDO_OK;
}

credo_status credo_vulkan_profile_read(credo_kernel_time *times,
                                       size_t capacity, size_t *count) {
  if (!count)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_vulkan_profile_read: count is a null pointer");
  Executor &e = executor();
  std::lock_guard<std::mutex> lock(e.mutex);
  e.sync();
  *count = e.profile.size();
  size_t i = 0;
  for (auto &[label, t] : e.profile) {
    if (i >= capacity || !times)
      break;
    credo_kernel_time &out = times[i++];
    std::memset(&out, 0, sizeof(out));
    std::strncpy(out.label, label.c_str(), sizeof(out.label) - 1);
    out.calls = t.calls;
    out.total_ns = t.ns;
  }
  return CREDO_OK;
}

} // extern "C"
