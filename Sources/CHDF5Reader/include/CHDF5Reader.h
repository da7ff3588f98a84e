#ifndef CHDF5READER_H
#define CHDF5READER_H

#include <stddef.h>
#include <stdint.h>

// The few HDF5 reads the Keras weight loader needs, with plain C types: HDF5's own API
// names its native types through macros that Swift cannot import. Every function returns
// a negative value on failure and never prints (HDF5's error stack printing is off).

// Opens a file read-only; returns a handle (>= 0) or -1. `error` gets a short reason.
int64_t vgg_h5_open(const char *path, char *error, size_t error_size);
void vgg_h5_close(int64_t file);

// Whether an object (group or dataset) exists at `path` (1, 0, or -1 on error).
int vgg_h5_exists(int64_t file, const char *path);

// Reads the string (or string array) attribute `name` of the object at `object_path` into
// `buffer` as NUL-terminated strings one after another. Returns the number of strings, -2
// for variable-length strings (refused unread: libhdf5 would allocate whatever length the
// file states), or -1 (missing, not strings, or more than `buffer_size` bytes).
int vgg_h5_string_attribute(int64_t file, const char *object_path, const char *name, char *buffer, size_t buffer_size);

// The shape of the dataset at `path`: returns its rank (0...8) with the sizes in `dims`,
// or -1 (missing, not a dataset, rank above 8).
int vgg_h5_dataset_shape(int64_t file, const char *path, uint64_t dims[8]);

// Whether the dataset's element type is floating point (1), another type (0), or -1.
int vgg_h5_dataset_is_float(int64_t file, const char *path);

// Reads the whole dataset at `path`, converted to native float, into `out`, which holds
// `count` floats; fails unless the dataset has exactly `count` elements.
int vgg_h5_read_floats(int64_t file, const char *path, float *out, uint64_t count);

#endif
