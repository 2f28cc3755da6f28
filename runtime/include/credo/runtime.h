/*===- credo/runtime.h - Credo runtime C API ---------------------*- C -*-===*\
|*                                                                          *|
|* The C ABI that Credo's generated code and its users call: status codes,  *|
|* host tensors, .npy and safetensors files, model instances (parameters    *|
|* with their initializers), and the CPU kernels (oneDNN) that generated    *|
|* code calls. Never links MLIR. No function aborts on user input: each     *|
|* failure returns a status and leaves a message in credo_last_error().     *|
|*                                                                          *|
\*===----------------------------------------------------------------------===*/

#ifndef CREDO_RUNTIME_H
#define CREDO_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The C API is what libcredo_runtime exports (built with hidden
 * visibility otherwise). */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

#define CREDO_RUNTIME_VERSION 1
#define CREDO_MAX_RANK 8

/*===--- Status
 * -------------------------------------------------------------===*/

typedef enum credo_status {
  CREDO_OK = 0,
  CREDO_ERR_INVALID_ARGUMENT = 1, /* a bad argument (name, shape, null) */
  CREDO_ERR_IO = 2,               /* a file could not be read or written */
  CREDO_ERR_FORMAT = 3,           /* a file is not in the expected format */
  CREDO_ERR_SHAPE = 4,            /* a tensor has the wrong shape or dtype */
  CREDO_ERR_NOT_FOUND = 5,        /* a named parameter or tensor is missing */
  CREDO_ERR_BACKEND = 6,          /* oneDNN or another backend failed */
  CREDO_ERR_OUT_OF_MEMORY = 7,
  CREDO_ERR_CORRUPT = 8, /* a checksum does not match */
  CREDO_ERR_DEVICE = 9   /* no Vulkan loader or device, or a device failed */
} credo_status;

/* The message of the last failure on this thread ("" if none), valid until
 * the thread's next failing call or credo_clear_error(): copy it to keep it. */
const char *credo_last_error(void);
/* Clears the last failure of this thread. */
void credo_clear_error(void);
/* A short name for a status ("ok", "io error", ...). */
const char *credo_status_name(credo_status status);

/*===--- Tensors
 * -------------------------------------------------------------===*/

typedef enum credo_dtype {
  CREDO_F32 = 0,
  CREDO_F64 = 1,
  CREDO_I32 = 2,
  CREDO_I64 = 3,
  CREDO_U8 = 4 /* raw bytes, e.g. IDX images (credo_idx_read_u8) */
} credo_dtype;

size_t credo_dtype_size(credo_dtype dtype);
/* "f32", "f64", "i32", "i64", "u8". */
const char *credo_dtype_name(credo_dtype dtype);

/* A host tensor: row-major, contiguous. `data` is owned when allocated by
 * credo_tensor_alloc or a reader, and released by credo_tensor_free. */
typedef struct credo_tensor {
  credo_dtype dtype;
  int32_t rank;
  int64_t shape[CREDO_MAX_RANK];
  void *data;
} credo_tensor;

/* Allocates zero-filled, 64-byte aligned storage. */
credo_status credo_tensor_alloc(credo_tensor *tensor, credo_dtype dtype,
                                int32_t rank, const int64_t *shape);
void credo_tensor_free(credo_tensor *tensor);
/* The element count and byte size; -1 and 0 for a null pointer, a rank
 * outside [0, CREDO_MAX_RANK], a negative dimension or a size that
 * overflows. */
int64_t credo_tensor_numel(const credo_tensor *tensor);
size_t credo_tensor_nbytes(const credo_tensor *tensor);

/*===--- .npy files (NumPy format 1.0/2.0/3.0, little-endian, C order)
 * ------===*/

/* Reads f4/f8/i4/i8 and u1 (as CREDO_U8) arrays; a bool or int8 array is an
 * error. */
credo_status credo_npy_read(const char *path, credo_tensor *out);
/* Writes atomically (temporary file + rename). */
credo_status credo_npy_write(const char *path, const credo_tensor *tensor);
/* Reads array `name` of a .npz archive (numpy.savez or savez_compressed:
 * members NAME.npy, stored or deflated; not ZIP64). A missing array is
 * CREDO_ERR_NOT_FOUND listing the members. */
credo_status credo_npz_read(const char *path, const char *name,
                            credo_tensor *out);

/*===--- IDX files (MNIST, Fashion-MNIST)
 * -----------------------------------===*/

/* Reads an IDX file, plain or gzip-compressed: unsigned-byte images
 * [N, rows, cols] become f32 [N, rows*cols] scaled to [0, 1]; unsigned-byte
 * labels [N] become i32 [N]. */
credo_status credo_idx_read(const char *path, credo_tensor *out);
/* The same, but images stay unsigned bytes: u8 [N, rows*cols], values
 * 0–255 (a quarter of the memory; scale by 1/255 to get credo_idx_read's
 * values exactly). Labels are i32 as above. */
credo_status credo_idx_read_u8(const char *path, credo_tensor *out);
/* The rows and columns of the images of an IDX file (from its header only;
 * the readers above give rows*cols pixels per image). */
credo_status credo_idx_image_shape(const char *path, int64_t *rows,
                                   int64_t *cols);

/*===--- CSV files
 * -----------------------------------------------------------===*/

/* Reads a table of numbers, plain or gzip-compressed, as f32 [rows, cols]:
 * comma-separated fields (a number may be in double quotes), one row per
 * line, all rows as long as the first; a first line with text and no field
 * that is a number (or numbers with another separator, 1;2;3) is a header
 * and is skipped (it must be
 * as wide as the rows). A field that is not a finite number, or a row of
 * another length, is CREDO_ERR_FORMAT naming the line. */
credo_status credo_csv_read(const char *path, credo_tensor *out);
/* The same as f64 [rows, cols]: each field as strtod reads it, for columns
 * whose values f32 would round (class labels such as 2.0000001 or
 * 16777217, which f32 makes 2 and 16777216). */
credo_status credo_csv_read_f64(const char *path, credo_tensor *out);

/*===--- safetensors files
 * ---------------------------------------------------===*/

typedef struct credo_named_tensor {
  char *name; /* owned, NUL-terminated */
  credo_tensor tensor;
} credo_named_tensor;

typedef struct credo_tensor_set {
  credo_named_tensor *items;
  size_t count;
  /* The "__metadata__" object as flat key/value strings (owned). */
  char **metadata_keys;
  char **metadata_values;
  size_t metadata_count;
} credo_tensor_set;

/* Reads F32/F64/I32/I64 and U8 tensors; validates the header, offsets and
 * sizes. */
credo_status credo_safetensors_read(const char *path, credo_tensor_set *out);
/* Writes atomically (temporary file + fsync + rename). `metadata_*` may be
 * null when `metadata_count` is 0. */
credo_status credo_safetensors_write(const char *path,
                                     const credo_named_tensor *tensors,
                                     size_t count,
                                     const char *const *metadata_keys,
                                     const char *const *metadata_values,
                                     size_t metadata_count);
void credo_tensor_set_free(credo_tensor_set *set);
/* Writes `size` bytes to `path` as every Credo file is written: a regular
 * file is replaced atomically (temporary file, fsync, rename), a symbolic
 * link's target is written, /dev/null or a FIFO is written through (a FIFO
 * without a reader is an error), a directory is refused. On failure the
 * previous contents stay. (credoc writes its --plot pictures with it.) */
credo_status credo_file_write(const char *path, const void *data, size_t size);
/* CREDO_OK when the set (read from `path`, which messages name) carries no
 * checksum or the one it carries (credo.checksum, written by
 * credo_model_save) matches its tensors and metadata; otherwise
 * CREDO_ERR_CORRUPT, "PATH: checksum mismatch: the file is corrupt". */
credo_status credo_safetensors_verify(const credo_tensor_set *set,
                                      const char *path);

/*===--- Model instances
 * -----------------------------------------------------===*/

/* A model instance owns its parameters. It is described by the metadata
 * text that the compiler embeds in every generated library (see
 * docs/runtime.md): one line per parameter, input and output. */
typedef struct credo_model credo_model;

typedef enum credo_value_kind {
  CREDO_PARAM = 0,
  CREDO_INPUT = 1,
  CREDO_OUTPUT = 2
} credo_value_kind;

/* Describes one parameter, input or output of a model. */
typedef struct credo_value_info {
  const char *name;
  credo_dtype dtype;
  int32_t rank;
  const int64_t *shape;
} credo_value_info;

credo_status credo_model_create(const char *metadata, credo_model **out);
/* Creates a model and fills its parameters from their initializers; on
 * failure *out is null. */
credo_status credo_model_create_init(const char *metadata, credo_model **out);
void credo_model_destroy(credo_model *model);
const char *credo_model_name(const credo_model *model);
size_t credo_model_count(const credo_model *model, credo_value_kind kind);
credo_status credo_model_info(const credo_model *model, credo_value_kind kind,
                              size_t index, credo_value_info *info);
/* Index of the parameter, input or output called `name`. */
credo_status credo_model_find(const credo_model *model, credo_value_kind kind,
                              const char *name, size_t *index);
/* The storage of parameter `index` (row-major, 64-byte aligned) for the
 * host to read and write until the next call of generated code. With the
 * parameters on a device (credo_model_place), its latest values are fetched
 * first and sent back before the next kernel that reads them. */
void *credo_model_param_data(credo_model *model, size_t index);
/* The same buffer as an argument of generated code, which copies it on the
 * device that runs it: no fetch, no send (the host must not touch it). */
void *credo_model_param_buffer(credo_model *model, size_t index);
/* Puts the parameters where the code of `target` ("cpu", "vulkan") reads
 * them: for "vulkan", in the device's memory, so that a training step copies
 * them there without sending or fetching them (a discrete GPU's memory is
 * behind PCIe); get/set/load/save and credo_model_param_data fetch and send
 * them as needed. A generated library's NAME_create does it for its target.
 * On failure (no device, too little memory) the model is unchanged. The
 * first placement fixes the target: placing for another one later is an
 * error (that code would not see the parameters' latest values). */
credo_status credo_model_place(credo_model *model, const char *target);
/* The second buffer of parameter `index`, allocated (zeroed) on first use:
 * a compiled training step writes the updated parameter there, and
 * credo_model_swap_params then makes it current. Null on failure. */
void *credo_model_next_param_data(credo_model *model, size_t index);
/* Allocates every parameter's second buffer now (a training step writes
 * them all), so that a step never meets a missing one. */
credo_status credo_model_reserve_next(credo_model *model);
/* Makes every parameter's second buffer current (after a training step). */
void credo_model_swap_params(credo_model *model);
/* Fills every parameter from its initializer (deterministic per seed). */
credo_status credo_model_init_params(credo_model *model);
/* Copies `nbytes` into / out of a parameter; the size must match exactly. */
credo_status credo_model_set_param(credo_model *model, const char *name,
                                   const void *data, size_t nbytes);
credo_status credo_model_get_param(const credo_model *model, const char *name,
                                   void *data, size_t nbytes);
/* Loads every parameter from a safetensors file (names, dtypes and shapes
 * must match; extra tensors are an error, except the optimizer state a
 * training checkpoint lists; a random generator the file lacks keeps its
 * value, and so does optimizer or rule state when the file has none, so a
 * training build loads what an inference build saved). */
credo_status credo_model_load(credo_model *model, const char *path);
/* Saves every parameter to a safetensors file, atomically. */
credo_status credo_model_save(const credo_model *model, const char *path);
/* The same, with extra "__metadata__" entries (e.g. the training epoch);
 * the runtime's own keys (credo.model, credo.checksum, credo.crc32,
 * credo.optimizer_state) are reserved. */
credo_status credo_model_save_with_metadata(const credo_model *model,
                                            const char *path,
                                            const char *const *keys,
                                            const char *const *values,
                                            size_t count);

/* Fills `data` (of `count` elements of `dtype`) from an initializer given in
 * metadata syntax, e.g. "glorot_uniform seed=1" with fans from `shape`. A
 * key the kind does not take, a key given twice, a seed outside [0, 2^64),
 * low above high or a negative std is CREDO_ERR_FORMAT. */
credo_status credo_init_fill(const char *initializer, credo_dtype dtype,
                             int32_t rank, const int64_t *shape, void *data);

/*===--- Environments
 * --------------------------------------------------------===*/

/* A built-in control task that an act/learn model trains in (credoc train
 * --env, docs/training.md#coagents-in-an-environment): "chain" (4 states, the
 * exact coagent check), "gridworld" (5x5, start (0, 0), goal (4, 4), -1 per
 * step) and "cartpole" (the classic dynamics, +1 per step). Observations are
 * f32 vectors of credo_env_observation_size elements; actions are 0 .. count
 * - 1. */
typedef struct credo_env credo_env;
/* The built-in names, comma-separated (the compiler checks a model's
 * environment against the same list). */
#define CREDO_ENV_NAMES "chain, gridworld, cartpole"
const char *credo_env_names(void);
/* `seed` drives the environment's own randomness (cartpole's start). */
credo_status credo_env_create(const char *name, uint64_t seed, credo_env **out);
void credo_env_destroy(credo_env *env);
int64_t credo_env_observation_size(const credo_env *env);
int64_t credo_env_action_count(const credo_env *env);
/* The environment's own episode cap (chain 3, gridworld 50, cartpole 500). */
int64_t credo_env_max_steps(const credo_env *env);
/* Starts an episode and writes its first observation. */
credo_status credo_env_reset(credo_env *env, float *observation);
/* Applies `action` (an error outside [0, count)), writes the next
 * observation, the reward and whether the episode reached a terminal
 * state. */
credo_status credo_env_step(credo_env *env, int64_t action, float *observation,
                            float *reward, int32_t *done);

/*===--- Threads
 * -------------------------------------------------------------===*/

/* Most kernel threads an instance asks for. */
#define CREDO_MAX_THREADS 256

/* Threads used by CPU kernels (default 1; 0 or less means one per core;
 * more than CREDO_MAX_THREADS means CREDO_MAX_THREADS). */
void credo_set_num_threads(int threads);
int credo_get_num_threads(void);

/*===--- Working memory
 * -------------------------------------------------------===*/

/* The most bytes of intermediate buffers that generated code held at once on
 * the calling thread since the last credo_memory_reset_peak (or the start):
 * the working memory of forward and training steps, which for a time loop
 * trained by backpropagation through time includes its recorded steps.
 * Parameters, inputs and outputs, which the caller owns, are not counted. */
size_t credo_memory_peak(void);
void credo_memory_reset_peak(void);

/*===--- Vulkan devices
 * --------------------------------------------------------===*/

/* The kind of a Vulkan device. */
typedef enum credo_device_type {
  CREDO_DEVICE_OTHER = 0,
  CREDO_DEVICE_INTEGRATED_GPU = 1,
  CREDO_DEVICE_DISCRETE_GPU = 2,
  CREDO_DEVICE_VIRTUAL_GPU = 3,
  CREDO_DEVICE_CPU = 4 /* a Vulkan implementation on the CPU (lavapipe) */
} credo_device_type;

/* A Vulkan device and the limits the code generator sizes kernels by. */
typedef struct credo_device_info {
  char name[256];
  credo_device_type type;
  uint32_t api_version; /* VK_MAKE_API_VERSION encoding */
  uint32_t vendor_id, device_id;
  uint64_t max_storage_buffer_range;  /* bytes one storage buffer may span */
  uint32_t max_compute_shared_memory; /* bytes of workgroup memory */
  uint32_t max_workgroup_invocations;
  uint32_t max_workgroup_size[3];
  uint32_t subgroup_size;
  int32_t subgroup_arithmetic;  /* subgroup reductions in compute shaders */
  uint64_t device_local_memory; /* bytes in device-local heaps */
} credo_device_info;

/* Lists the Vulkan devices: `*count` gets their number, and the first
 * min(capacity, count) are written to `devices` (may be null). The Vulkan
 * loader (libvulkan.so.1, or $CREDO_VULKAN_LOADER) is opened at run time:
 * without it the call fails with CREDO_ERR_DEVICE and says what to
 * install. */
credo_status credo_vulkan_devices(credo_device_info *devices, size_t capacity,
                                  size_t *count);
/* The device a Vulkan run uses: `requested` if >= 0, else
 * $CREDO_VULKAN_DEVICE if set, else the first discrete GPU, then
 * integrated, virtual, other, and a CPU implementation only when there is
 * no GPU. A bad index or no device is an error naming the choices. */
credo_status credo_vulkan_pick_device(int64_t requested, size_t *index);
/* The device the Vulkan executor opens (credo_vulkan_pick_device's
 * `requested`; -1, the default, lets it choose). A process opens one
 * device, at its first Vulkan kernel: an index that is not there, or
 * another device than the one already open, is an error (and changes
 * nothing). After a failed choice (a bad CREDO_VULKAN_DEVICE) the next
 * Vulkan call chooses again. */
credo_status credo_vulkan_use_device(int64_t index);

/* Per-kernel device times from timestamp queries around each dispatch. */
typedef struct credo_kernel_time {
  char label[120]; /* "FUNCTION NODE #K": the function, graph node, number */
  uint64_t calls;  /* dispatches timed */
  double total_ns; /* summed device time */
} credo_kernel_time;
/* Starts (enable != 0) or stops timing Vulkan dispatches; opens the device
 * if needed. CREDO_ERR_DEVICE if its compute queue has no timestamps. */
credo_status credo_vulkan_profile(int enable);
/* The times so far, one entry per label, sorted by label: `*count` gets
 * their number, the first min(capacity, count) are written. */
credo_status credo_vulkan_profile_read(credo_kernel_time *times,
                                       size_t capacity, size_t *count);
/* While profiling: the dispatches recorded, the barriers placed between
 * them (only where a kernel reads or writes what an earlier one since the
 * last barrier wrote, or writes what it read; $CREDO_VULKAN_BARRIERS=all
 * places one between every two), and the command-buffer submissions. */
credo_status credo_vulkan_profile_counts(uint64_t *dispatches,
                                         uint64_t *barriers,
                                         uint64_t *submissions);
/* While profiling: the bytes sent to the device and fetched from it
 * (staging mode, `*staging` = 1: device memory the host cannot map; in mapped
 * mode the host and the kernels share the memory and nothing is sent), and
 * the bytes copied from buffer to buffer on the device (a model's parameters
 * kept there by credo_model_place, into and out of a step). */
credo_status credo_vulkan_profile_transfers(uint64_t *uploaded,
                                            uint64_t *downloaded,
                                            uint64_t *copied, int *staging);
/* "discrete GPU", "integrated GPU", "virtual GPU", "CPU" or "other". */
const char *credo_device_type_name(credo_device_type type);

/*===--- Kernel status (used by generated code)
 * ------------------------------===*/

/* Kernels cannot return a status to generated code; they record the first
 * failure here and generated entry points return it. */
credo_status credo_rt_take_status(void);

/* Calls the generated entry point `entry` on `args` (its packed argument
 * array) so that nothing met at run time crashes the caller: an allocation
 * that fails inside the call ends it with CREDO_ERR_OUT_OF_MEMORY, naming
 * `context` and the size (the buffers the call had allocated are freed),
 * and a kernel failure is returned with its message after `context`. */
credo_status credo_rt_invoke(const char *context, void (*entry)(void **),
                             void **args);
/* Records "ENTRY: WHAT is a null pointer" and returns
 * CREDO_ERR_INVALID_ARGUMENT (generated libraries check their pointers). */
credo_status credo_rt_null_argument(const char *entry, const char *what);
/* Records "ENTRY: WRITTEN overlaps OTHER; ..." and returns
 * CREDO_ERR_INVALID_ARGUMENT (generated libraries check that a buffer a
 * call writes shares no byte with another buffer argument). */
credo_status credo_rt_overlapping_arguments(const char *entry,
                                            const char *written,
                                            const char *other);
/* Records "ENTRY: the learning rate is LR; ..." and returns
 * CREDO_ERR_INVALID_ARGUMENT (a training step takes a learning rate in
 * (0, 1e6), as the graph format does). */
credo_status credo_rt_bad_learning_rate(const char *entry, double lr);
/* Records "ENTRY: WHAT is VALUE, but must be 0 or 1" (an environment
 * step's done or last flag) and returns CREDO_ERR_INVALID_ARGUMENT. */
credo_status credo_rt_bad_flag(const char *entry, const char *what,
                               double value);

/* The FNV-1a hash (64 bits) of a metadata text, which an instance keeps
 * from its creation and a generated library embeds for its own. */
uint64_t credo_metadata_hash(const char *metadata);
/* CREDO_OK when MODEL was made from a metadata text of hash HASH (the
 * library's own, METADATA) and, once placed, for TARGET; otherwise records
 * "ENTRY: the model is an instance of model 'OTHER'; pass an instance that
 * CREATE made" (or another build of the same model, or parameters placed
 * for another target) and returns CREDO_ERR_INVALID_ARGUMENT. The entry
 * points that run a model's code (NAME_forward, NAME_train_step,
 * NAME_settle_step, NAME_act, NAME_eval_step) check their instance: all
 * NAME_model types are one C type, so a compiler cannot. */
credo_status credo_rt_check_instance(const char *entry, const char *create,
                                     const credo_model *model,
                                     const char *metadata, uint64_t hash,
                                     const char *target);
/* CREDO_OK unless the BYTES at DATA, which the call writes (WHAT), share a
 * byte with a parameter buffer of MODEL; then records "ENTRY: WHAT overlaps
 * the storage of parameter 'P'; ..." and returns
 * CREDO_ERR_INVALID_ARGUMENT. */
credo_status credo_rt_check_written(const char *entry, const char *what,
                                    const credo_model *model, const void *data,
                                    int64_t bytes);
/* STATUS; when it is a failure, the last error names ENTRY in place of the
 * runtime function that failed ("credo_model_load: ..." becomes
 * "ENTRY: ..."). Generated NAME_create, NAME_load, NAME_save,
 * NAME_get_param and NAME_set_param return through it. */
credo_status credo_rt_name_failure(const char *entry, credo_status status);

/* An environment rule's library alternates NAME_act (choose an action, hold
 * the state it learns from) and NAME_train_step (learn from that action's
 * reward). NAME_act records its success (ACTED 1), a successful training
 * step clears it (0). */
void credo_rt_set_acted(credo_model *model, int32_t acted);
/* CREDO_OK when ACT succeeded since the model's creation or its last
 * training step; otherwise records "ENTRY: no call of ACT since ..." and
 * returns CREDO_ERR_INVALID_ARGUMENT (a step before any act, or a second
 * step on one act, would learn from a held action that was never taken). */
credo_status credo_rt_require_act(const char *entry, const char *act,
                                  const credo_model *model);

/* CREDO_OK when the COUNT values at DATA (f32 when ELEMENT_BYTES is 4,
 * f64 when 8) are all finite; otherwise records "ENTRY: WHAT is VALUE at
 * element I (row R, column C of ROW_LENGTH); ..." and returns
 * CREDO_ERR_INVALID_ARGUMENT. A training step checks its float inputs:
 * a NaN or an infinity can make non-finite parameters while the loss stays
 * finite (through a saturated sigmoid). */
credo_status credo_rt_check_finite_input(const char *entry, const char *what,
                                         const void *data, int64_t count,
                                         int64_t row_length,
                                         int32_t element_bytes);

/* Records "ENTRY: WHAT is VALUE; ..." (WHAT: "the loss", or "the signal"
 * of a rule that learns in an environment) and returns
 * CREDO_ERR_INVALID_ARGUMENT (a training step whose loss is not finite
 * keeps the parameters it had). */
credo_status credo_rt_nonfinite_loss(const char *entry, const char *what,
                                     double value);
/* The same for a step of MODEL; when a float parameter of MODEL already
 * holds a NaN or an infinity (an earlier step diverged where the loss does
 * not look: a rule's own weights, an optimizer's moments), the message says
 * so, naming the parameter and the element. */
credo_status credo_rt_nonfinite_step(const char *entry, const char *what,
                                     double value, const credo_model *model);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CREDO_RUNTIME_H */
