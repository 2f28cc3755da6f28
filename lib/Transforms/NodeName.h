//===- NodeName.h - The graph node an op came from --------------*- C++ -*-===//
//
// The importer gives every op a NameLoc carrying its node's name, for
// diagnostics; labels (a kernel's profile name) read it here. A node's
// identity is the op attribute credo.node (credo::nodeOf), not this.
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

/// The JSON pointer a location carries (a FusedLoc's metadata), or "".
inline StringRef jsonPointer(Location loc) {
  if (auto fused = dyn_cast<FusedLoc>(loc)) {
    if (auto ptr = dyn_cast_or_null<StringAttr>(fused.getMetadata()))
      return ptr.getValue();
    for (Location inner : fused.getLocations())
      if (StringRef p = jsonPointer(inner); !p.empty())
        return p;
  }
  if (auto name = dyn_cast<NameLoc>(loc))
    return jsonPointer(name.getChildLoc());
  return "";
}

} // namespace mlir::credo

#endif // CREDO_LIB_TRANSFORMS_NODENAME_H
