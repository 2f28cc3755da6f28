//===- Devices.cpp - Vulkan devices, found at run time -----------*- C++
//-*-===//
//
// The first part of Credo's Vulkan executor: the loader (libvulkan.so.1) is
// opened with dlopen when a Vulkan function is first asked for, so the
// runtime builds, links and runs on machines without Vulkan; the devices
// are listed with the limits that the code generator and the executor
// size their work by (listed once per process); one is picked by a rule that
// never prefers a CPU implementation (lavapipe) when a GPU is present. Every
// failure is a status with a message (no loader, no device, a bad device
// index).
//
//===----------------------------------------------------------------------===//

#include "../Internal.h"
#include "Loader.h"

#include "credo/runtime.h"

#include <vulkan/vulkan.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <mutex>
#include <string>
#include <vector>

using namespace credo::rt;

PFN_vkGetInstanceProcAddr credo::rt::vulkanLoader(std::string &why) {
  static std::once_flag once;
  static PFN_vkGetInstanceProcAddr entry = nullptr;
  static std::string error;
  std::call_once(once, [] {
    const char *path = std::getenv("CREDO_VULKAN_LOADER");
    std::string name = path && *path ? path : "libvulkan.so.1";
    void *lib = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char *e = dlerror();
      error = "cannot load the Vulkan loader '" + name + "' (" +
              (e ? e : "unknown error") +
              "); install it (Debian: libvulkan1) and a driver "
              "(mesa-vulkan-drivers)";
      return;
    }
    entry = reinterpret_cast<PFN_vkGetInstanceProcAddr>(
        dlsym(lib, "vkGetInstanceProcAddr"));
    if (!entry)
      error = "'" + name + "' has no vkGetInstanceProcAddr";
  });
  why = error;
  return entry;
}

std::string credo::rt::vulkanResultText(VkResult r) {
  switch (r) {
  case VK_ERROR_OUT_OF_HOST_MEMORY:
    return "out of host memory";
  case VK_ERROR_OUT_OF_DEVICE_MEMORY:
    return "out of device memory";
  case VK_ERROR_INITIALIZATION_FAILED:
    return "initialization failed";
  case VK_ERROR_LAYER_NOT_PRESENT:
    return "a requested layer is not installed";
  case VK_ERROR_EXTENSION_NOT_PRESENT:
    return "a requested extension is not present";
  case VK_ERROR_INCOMPATIBLE_DRIVER:
    return "no Vulkan driver (none is installed, or none supports Vulkan "
           "1.1; Debian's mesa-vulkan-drivers has lavapipe, a Vulkan device "
           "on the CPU)";
  case VK_ERROR_DEVICE_LOST:
    return "the device was lost";
  case VK_ERROR_OUT_OF_POOL_MEMORY:
    return "out of pool memory";
  case VK_TIMEOUT:
    return "timed out";
  default:
    return "VkResult " + std::to_string(int(r));
  }
}

VkInstance credo::rt::createVulkanInstance(PFN_vkGetInstanceProcAddr gipa,
                                           std::string &why) {
  auto createInstance =
      reinterpret_cast<PFN_vkCreateInstance>(gipa(nullptr, "vkCreateInstance"));
  if (!createInstance) {
    why = "the Vulkan loader has no vkCreateInstance";
    return VK_NULL_HANDLE;
  }
  VkApplicationInfo app{};
  app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
  app.pApplicationName = "credo";
  app.pEngineName = "credo";
  app.apiVersion = VK_API_VERSION_1_1;
  VkInstanceCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
  info.pApplicationInfo = &app;
  VkInstance instance = VK_NULL_HANDLE;
  if (VkResult r = createInstance(&info, nullptr, &instance); r != VK_SUCCESS) {
    why = "cannot create a Vulkan instance: " + vulkanResultText(r);
    return VK_NULL_HANDLE;
  }
  return instance;
}

namespace {

credo_device_type typeOf(VkPhysicalDeviceType t) {
  switch (t) {
  case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
    return CREDO_DEVICE_INTEGRATED_GPU;
  case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
    return CREDO_DEVICE_DISCRETE_GPU;
  case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
    return CREDO_DEVICE_VIRTUAL_GPU;
  case VK_PHYSICAL_DEVICE_TYPE_CPU:
    return CREDO_DEVICE_CPU;
  default:
    return CREDO_DEVICE_OTHER;
  }
}

/// Lists the devices of a fresh instance (destroyed again).
credo_status listDevices(std::vector<credo_device_info> &out) {
  std::string why;
  PFN_vkGetInstanceProcAddr gipa = vulkanLoader(why);
  if (!gipa)
    return fail(CREDO_ERR_DEVICE, why);
  VkInstance instance = createVulkanInstance(gipa, why);
  if (!instance)
    return fail(CREDO_ERR_DEVICE, why);
  auto get = [&](const char *name) { return gipa(instance, name); };
  auto destroy =
      reinterpret_cast<PFN_vkDestroyInstance>(get("vkDestroyInstance"));
  auto enumerate = reinterpret_cast<PFN_vkEnumeratePhysicalDevices>(
      get("vkEnumeratePhysicalDevices"));
  auto properties2 = reinterpret_cast<PFN_vkGetPhysicalDeviceProperties2>(
      get("vkGetPhysicalDeviceProperties2"));
  auto memory = reinterpret_cast<PFN_vkGetPhysicalDeviceMemoryProperties>(
      get("vkGetPhysicalDeviceMemoryProperties"));
  credo_status status = CREDO_OK;
  uint32_t count = 0;
  if (!destroy || !enumerate || !properties2 || !memory) {
    status = fail(CREDO_ERR_DEVICE, "the Vulkan loader lacks Vulkan 1.1");
  } else if (VkResult r = enumerate(instance, &count, nullptr);
             r != VK_SUCCESS) {
    status = fail(
        CREDO_ERR_DEVICE,
        "cannot list the Vulkan devices: " + vulkanResultText(r) +
            (r == VK_ERROR_INITIALIZATION_FAILED
                 ? " (an installed Vulkan driver could not start: its GPU or "
                   "kernel driver may be missing; VK_ICD_FILENAMES chooses "
                   "the drivers, and vulkaninfo (Debian: vulkan-tools) shows "
                   "what fails)"
                 : ""));
  } else {
    std::vector<VkPhysicalDevice> devices(count);
    enumerate(instance, &count, devices.data());
    for (VkPhysicalDevice d : devices) {
      VkPhysicalDeviceSubgroupProperties subgroup{};
      subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES;
      VkPhysicalDeviceProperties2 p{};
      p.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
      p.pNext = &subgroup;
      properties2(d, &p);
      VkPhysicalDeviceMemoryProperties mem{};
      memory(d, &mem);
      credo_device_info di{};
      std::strncpy(di.name, p.properties.deviceName, sizeof(di.name) - 1);
      di.type = typeOf(p.properties.deviceType);
      di.api_version = p.properties.apiVersion;
      di.vendor_id = p.properties.vendorID;
      di.device_id = p.properties.deviceID;
      const VkPhysicalDeviceLimits &l = p.properties.limits;
      di.max_storage_buffer_range = l.maxStorageBufferRange;
      di.max_compute_shared_memory = l.maxComputeSharedMemorySize;
      di.max_workgroup_invocations = l.maxComputeWorkGroupInvocations;
      for (int i = 0; i < 3; ++i)
        di.max_workgroup_size[i] = l.maxComputeWorkGroupSize[i];
      di.subgroup_size = subgroup.subgroupSize;
      di.subgroup_arithmetic =
          (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT) !=
              0 &&
          (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) != 0;
      for (uint32_t h = 0; h < mem.memoryHeapCount; ++h)
        if (mem.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
          di.device_local_memory += mem.memoryHeaps[h].size;
      out.push_back(di);
    }
  }
  if (destroy)
    destroy(instance, nullptr);
  return status;
}

/// The devices, listed once per process (the loader fixes them when an
/// instance is created), or the failure of listing them, again each call.
credo_status devicesOnce(std::vector<credo_device_info> &out) {
  static std::once_flag once;
  static std::vector<credo_device_info> list;
  static credo_status status = CREDO_OK;
  static std::string message;
  std::call_once(once, [] {
    status = listDevices(list);
    if (status != CREDO_OK)
      message = credo_last_error();
  });
  if (status != CREDO_OK)
    return fail(status, message);
  out = list;
  return CREDO_OK;
}

/// The preference of a device type for the default choice (lower first).
int rank(credo_device_type t) {
  switch (t) {
  case CREDO_DEVICE_DISCRETE_GPU:
    return 0;
  case CREDO_DEVICE_INTEGRATED_GPU:
    return 1;
  case CREDO_DEVICE_VIRTUAL_GPU:
    return 2;
  case CREDO_DEVICE_OTHER:
    return 3;
  case CREDO_DEVICE_CPU:
    return 4;
  }
  return 5;
}

} // namespace

extern "C" {

credo_status credo_vulkan_devices(credo_device_info *devices, size_t capacity,
                                  size_t *count) {
  if (!count)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_vulkan_devices: count is a null pointer");
  std::vector<credo_device_info> list;
  if (credo_status s = devicesOnce(list); s != CREDO_OK)
    return s;
  *count = list.size();
  for (size_t i = 0; i < list.size() && i < capacity && devices; ++i)
    devices[i] = list[i];
  return CREDO_OK;
}

const char *credo_device_type_name(credo_device_type type) {
  switch (type) {
  case CREDO_DEVICE_DISCRETE_GPU:
    return "discrete GPU";
  case CREDO_DEVICE_INTEGRATED_GPU:
    return "integrated GPU";
  case CREDO_DEVICE_VIRTUAL_GPU:
    return "virtual GPU";
  case CREDO_DEVICE_CPU:
    return "CPU";
  case CREDO_DEVICE_OTHER:
    return "other";
  }
  return "other";
}

credo_status credo_vulkan_pick_device(int64_t requested, size_t *index) {
  if (!index)
    return fail(CREDO_ERR_INVALID_ARGUMENT,
                "credo_vulkan_pick_device: index is a null pointer");
  std::vector<credo_device_info> list;
  if (credo_status s = devicesOnce(list); s != CREDO_OK)
    return s;
  if (list.empty())
    return fail(CREDO_ERR_DEVICE,
                "no Vulkan device (install a driver: Debian's "
                "mesa-vulkan-drivers has lavapipe, a Vulkan device on the "
                "CPU)");
  std::string source = "the device index";
  if (requested < 0) {
    const char *env = std::getenv("CREDO_VULKAN_DEVICE");
    if (env && *env) {
      // Digits only (strtoll would skip spaces and take a sign), and an
      // index that fits.
      char *end = nullptr;
      errno = 0;
      long long v = std::strtoll(env, &end, 10);
      if (!std::isdigit(static_cast<unsigned char>(env[0])) || !end ||
          *end != '\0' || errno == ERANGE)
        return fail(CREDO_ERR_INVALID_ARGUMENT,
                    std::string("CREDO_VULKAN_DEVICE must be a device index, "
                                "but is '") +
                        env + "'");
      requested = v;
      source = "CREDO_VULKAN_DEVICE";
    }
  }
  if (requested >= 0) {
    if (uint64_t(requested) >= list.size())
      return fail(CREDO_ERR_INVALID_ARGUMENT,
                  source + " is " + std::to_string(requested) + ", but there " +
                      (list.size() == 1
                           ? "is 1 Vulkan device (index 0)"
                           : "are " + std::to_string(list.size()) +
                                 " Vulkan devices (indices 0 to " +
                                 std::to_string(list.size() - 1) + ")"));
    *index = size_t(requested);
    return CREDO_OK;
  }
  size_t best = 0;
  for (size_t i = 1; i < list.size(); ++i)
    if (rank(list[i].type) < rank(list[best].type))
      best = i;
  *index = best;
  return CREDO_OK;
}

} // extern "C"
