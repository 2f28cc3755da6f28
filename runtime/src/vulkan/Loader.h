//===- Loader.h - The Vulkan loader, opened at run time ----------*- C++
//-*-===//
//
// What the device listing (Devices.cpp) and the executor (Executor.cpp)
// share: the loader opened once per process with dlopen, instance creation
// and the text of a VkResult. Not installed.
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_RUNTIME_SRC_VULKAN_LOADER_H
#define CREDO_RUNTIME_SRC_VULKAN_LOADER_H

#include <vulkan/vulkan.h>

#include <string>

namespace credo::rt {

/// vkGetInstanceProcAddr of libvulkan.so.1 (or $CREDO_VULKAN_LOADER),
/// opened once per process, or null with `why` saying what to install.
PFN_vkGetInstanceProcAddr vulkanLoader(std::string &why);

/// A Vulkan 1.1 instance named "credo", or VK_NULL_HANDLE with `why`.
VkInstance createVulkanInstance(PFN_vkGetInstanceProcAddr gipa,
                                std::string &why);

/// What a VkResult means, in words (with what to install for a missing
/// driver).
std::string vulkanResultText(VkResult r);

} // namespace credo::rt

#endif // CREDO_RUNTIME_SRC_VULKAN_LOADER_H
