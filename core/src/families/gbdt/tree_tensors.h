// Reading a gbdt model's node tensors into a TreeEnsemble: every check that
// keeps a hostile file from crashing, looping or allocating without bound.
#pragma once

#include <vector>

#include "families/gbdt/gbdt.h"
#include "families/gbdt/tree_ensemble.h"
#include "networks/tensor_view.h"
#include "status.h"

namespace fraudscore {

// Check the configuration (limits), the tensors (expect_tensor: present, shape,
// dtype, finite) and every tree: node 0 is the root; each child's local index
// is after its parent's and inside the tree; every other node has exactly one
// parent; a node has both children or none; an internal node splits on an
// input of the window with cover > 0 and default_left 0 or 1; a leaf has
// feature -1 and cover >= 0, at depth <= dims.max_depth. Then pack them.
// FS_ERR_SHAPE: structure; FS_ERR_VALUE: values; FS_ERR_UNSUPPORTED: a limit
// or a storage type; FS_ERR_NO_MEMORY.
Status read_tree_ensemble(const GbdtDims& dims, const std::vector<TensorView>& tensors, TreeEnsemble* out);

}  // namespace fraudscore
