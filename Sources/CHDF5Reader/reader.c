#include "CHDF5Reader.h"

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void silence(void) {
    static int done = 0;
    if (!done) {
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        done = 1;
    }
}

int64_t vgg_h5_open(const char *path, char *error, size_t error_size) {
    silence();
    htri_t is_hdf5 = H5Fis_hdf5(path);
    if (is_hdf5 <= 0) {
        snprintf(error, error_size, "%s", is_hdf5 == 0 ? "not an HDF5 file" : "cannot open it as HDF5");
        return -1;
    }
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) {
        snprintf(error, error_size, "HDF5 cannot open it (damaged or truncated)");
        return -1;
    }
    return (int64_t)file;
}

void vgg_h5_close(int64_t file) {
    if (file >= 0) H5Fclose((hid_t)file);
}

int vgg_h5_exists(int64_t file, const char *path) {
    if (strcmp(path, "/") == 0) return 1;
    // H5Lexists needs every intermediate link to exist: check prefix by prefix.
    char partial[4096];
    size_t length = strlen(path);
    if (length >= sizeof partial) return -1;
    for (size_t i = 1; i <= length; i++) {
        if (i == length || path[i] == '/') {
            memcpy(partial, path, i);
            partial[i] = 0;
            htri_t found = H5Lexists((hid_t)file, partial, H5P_DEFAULT);
            if (found <= 0) return found < 0 ? -1 : 0;
        }
    }
    return 1;
}

int vgg_h5_string_attribute(int64_t file, const char *object_path, const char *name, char *buffer, size_t buffer_size) {
    if (vgg_h5_exists(file, object_path) != 1) return -1;
    hid_t object = H5Oopen((hid_t)file, object_path, H5P_DEFAULT);
    if (object < 0) return -1;
    int result = -1;
    hid_t attribute = -1, type = -1, space = -1, memory = -1;
    if (H5Aexists(object, name) <= 0) goto done;
    attribute = H5Aopen(object, name, H5P_DEFAULT);
    if (attribute < 0) goto done;
    type = H5Aget_type(attribute);
    space = H5Aget_space(attribute);
    if (type < 0 || space < 0 || H5Tget_class(type) != H5T_STRING) goto done;
    hssize_t count = H5Sget_simple_extent_npoints(space);
    if (count < 0 || count > 4096) goto done;
    if (count == 0 || H5Sget_simple_extent_type(space) == H5S_NULL) {
        result = 0;
        goto done;
    }
    if (H5Tis_variable_str(type) > 0) {
        // Reading variable-length strings makes libhdf5 allocate whatever length the file
        // states (1.8 GB from a 100 KB file, found by fuzzing) before anything can be
        // checked; Keras writes its layer and weight names as fixed-length strings, so these
        // are refused unread.
        result = -2;
        goto done;
    }
    size_t size = H5Tget_size(type);
    if (size == 0 || size > 65536 || (size_t)count * size > (1u << 22)) goto done;
    char *raw = malloc((size_t)count * size + 1);
    if (!raw) goto done;
    memory = H5Tcopy(H5T_C_S1);
    H5Tset_size(memory, size);
    H5Tset_strpad(memory, H5T_STR_NULLPAD);
    int fits = H5Aread(attribute, memory, raw) >= 0;
    size_t used = 0;
    for (hssize_t i = 0; fits && i < count; i++) {
        const char *start = raw + (size_t)i * size;
        size_t n = strnlen(start, size);
        if (used + n + 1 > buffer_size) { fits = 0; break; }
        memcpy(buffer + used, start, n);
        buffer[used + n] = 0;
        used += n + 1;
    }
    free(raw);
    if (!fits) goto done;
    result = (int)count;
done:
    if (memory >= 0) H5Tclose(memory);
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    if (attribute >= 0) H5Aclose(attribute);
    H5Oclose(object);
    return result;
}

static hid_t open_dataset(int64_t file, const char *path) {
    if (vgg_h5_exists(file, path) != 1) return -1;
    hid_t object = H5Oopen((hid_t)file, path, H5P_DEFAULT);
    if (object < 0) return -1;
    if (H5Iget_type(object) != H5I_DATASET) {
        H5Oclose(object);
        return -1;
    }
    return object;  // a dataset opened through H5Oopen is closed with H5Dclose
}

int vgg_h5_dataset_shape(int64_t file, const char *path, uint64_t dims[8]) {
    hid_t dataset = open_dataset(file, path);
    if (dataset < 0) return -1;
    hid_t space = H5Dget_space(dataset);
    int rank = space < 0 ? -1 : H5Sget_simple_extent_ndims(space);
    if (rank >= 0 && rank <= 8) {
        hsize_t sizes[8];
        H5Sget_simple_extent_dims(space, sizes, NULL);
        for (int i = 0; i < rank; i++) dims[i] = (uint64_t)sizes[i];
    } else {
        rank = -1;
    }
    if (space >= 0) H5Sclose(space);
    H5Dclose(dataset);
    return rank;
}

int vgg_h5_dataset_is_float(int64_t file, const char *path) {
    hid_t dataset = open_dataset(file, path);
    if (dataset < 0) return -1;
    hid_t type = H5Dget_type(dataset);
    // A float of 2, 4 or 8 bytes: a crafted type size (2^32 + 3 bytes, found by fuzzing) would
    // make libhdf5 allocate a conversion buffer of that many bytes per element.
    size_t size = type < 0 ? 0 : H5Tget_size(type);
    int result = type < 0 ? -1 : (H5Tget_class(type) == H5T_FLOAT && (size == 2 || size == 4 || size == 8));
    if (type >= 0) H5Tclose(type);
    H5Dclose(dataset);
    return result;
}

// Whether a chunked dataset's chunk is no larger than the whole dataset (`count` elements
// of at most 8 bytes): libhdf5 allocates one chunk's stated size before reading it, and a
// crafted file can state 4 GB (found by fuzzing). Other layouts are fine.
static int chunk_is_sane(hid_t dataset, uint64_t count) {
    hid_t plist = H5Dget_create_plist(dataset);
    if (plist < 0) return 0;
    int sane = 1;
    if (H5Pget_layout(plist) == H5D_CHUNKED) {
        hsize_t dims[32];
        int rank = H5Pget_chunk(plist, 32, dims);
        uint64_t elements = 1;
        sane = rank > 0;
        for (int i = 0; sane && i < rank; i++) {
            if (dims[i] == 0 || elements > UINT64_MAX / dims[i]) sane = 0;
            else elements *= dims[i];
        }
        sane = sane && elements <= count;
    }
    H5Pclose(plist);
    return sane;
}

int vgg_h5_read_floats(int64_t file, const char *path, float *out, uint64_t count) {
    hid_t dataset = open_dataset(file, path);
    if (dataset < 0) return -1;
    int result = -1;
    hid_t space = H5Dget_space(dataset);
    if (space >= 0 && (uint64_t)H5Sget_simple_extent_npoints(space) == count && chunk_is_sane(dataset, count)) {
        result = H5Dread(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0 ? -1 : 0;
    }
    if (space >= 0) H5Sclose(space);
    H5Dclose(dataset);
    return result;
}
