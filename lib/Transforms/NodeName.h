//===- NodeName.h - The graph node an op came from --------------*- C++ -*-===//
//
// The importer gives every op a NameLoc carrying its node's name; passes
// use it to name what they add after the node (and to find the loss).
//
//===----------------------------------------------------------------------===//

#ifndef CREDO_LIB_TRANSFORMS_NODENAME_H
#define CREDO_LIB_TRANSFORMS_NODENAME_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"

namespace mlir::credo {

/// The node name a location carries (a NameLoc, possibly inside a
/// FusedLoc), or "" when it has none.
inline StringRef nodeName(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().getValue();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (StringRef n = nodeName(inner); !n.empty())
        return n;
  return "";
}

} // namespace mlir::credo

#endif // CREDO_LIB_TRANSFORMS_NODENAME_H
