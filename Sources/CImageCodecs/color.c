// Embedded ICC profiles to sRGB through lcms2.
#include "decoded.h"

#include <stdio.h>
#include <string.h>

#include <lcms2.h>

/// lcms2 reports through a context of its own; nothing goes to standard error.
static void quiet(cmsContext context, cmsUInt32Number code, const char *text) { (void)context, (void)code, (void)text; }

vgg_result vgg_icc_to_srgb(uint8_t *rgb, size_t pixel_count, const uint8_t *icc, size_t icc_size, vgg_status *status) {
    memset(status, 0, sizeof(*status));
    cmsContext context = cmsCreateContext(NULL, NULL);
    if (context == NULL) return vgg_fail(status, VGG_ERROR_INTERNAL, "out of memory");
    cmsSetLogErrorHandlerTHR(context, quiet);
    vgg_result result = VGG_OK;
    cmsHPROFILE source = cmsOpenProfileFromMemTHR(context, icc, (cmsUInt32Number)icc_size);
    cmsHPROFILE srgb = cmsCreate_sRGBProfileTHR(context);
    if (source == NULL) {
        result = vgg_fail(status, VGG_ERROR_CORRUPT, "the embedded ICC profile cannot be read");
    } else if (cmsGetColorSpace(source) != cmsSigRgbData) {
        result = vgg_fail(status, VGG_ERROR_UNSUPPORTED, "the embedded ICC profile is not an RGB one");
    } else {
        cmsHTRANSFORM transform = cmsCreateTransformTHR(context, source, TYPE_RGB_8, srgb, TYPE_RGB_8, INTENT_PERCEPTUAL, 0);
        if (transform == NULL) {
            result = vgg_fail(status, VGG_ERROR_UNSUPPORTED, "no transform from the embedded ICC profile to sRGB");
        } else {
            // Row-sized steps keep the count within lcms2's 32-bit pixel counts.
            for (size_t done = 0; done < pixel_count;) {
                size_t step = pixel_count - done < (1u << 20) ? pixel_count - done : (1u << 20);
                cmsDoTransform(transform, rgb + 3 * done, rgb + 3 * done, (cmsUInt32Number)step);
                done += step;
            }
            cmsDeleteTransform(transform);
        }
    }
    if (source != NULL) cmsCloseProfile(source);
    if (srgb != NULL) cmsCloseProfile(srgb);
    cmsDeleteContext(context);
    return result;
}

/// Whether two XYZ colours agree to within `tolerance`.
static int near(const cmsCIEXYZ *a, const cmsCIEXYZ *b, double tolerance) {
    return a->X - b->X < tolerance && b->X - a->X < tolerance && a->Y - b->Y < tolerance && b->Y - a->Y < tolerance
        && a->Z - b->Z < tolerance && b->Z - a->Z < tolerance;
}

int vgg_icc_is_srgb(const uint8_t *icc, size_t icc_size) {
    cmsContext context = cmsCreateContext(NULL, NULL);
    if (context == NULL) return 0;
    cmsSetLogErrorHandlerTHR(context, quiet);
    cmsHPROFILE profile = cmsOpenProfileFromMemTHR(context, icc, (cmsUInt32Number)icc_size);
    cmsHPROFILE srgb = cmsCreate_sRGBProfileTHR(context);
    int same = 0;
    if (profile != NULL && srgb != NULL && cmsGetColorSpace(profile) == cmsSigRgbData && cmsIsMatrixShaper(profile)) {
        same = 1;
        const cmsTagSignature colorants[3] = {cmsSigRedColorantTag, cmsSigGreenColorantTag, cmsSigBlueColorantTag};
        for (int i = 0; i < 3 && same; i++) {
            const cmsCIEXYZ *a = cmsReadTag(profile, colorants[i]);
            const cmsCIEXYZ *b = cmsReadTag(srgb, colorants[i]);
            same = a != NULL && b != NULL && near(a, b, 0.002);
        }
        // The curves: 8-bit values through both tone curves.
        const cmsTagSignature curves[3] = {cmsSigRedTRCTag, cmsSigGreenTRCTag, cmsSigBlueTRCTag};
        for (int i = 0; i < 3 && same; i++) {
            const cmsToneCurve *a = cmsReadTag(profile, curves[i]);
            const cmsToneCurve *b = cmsReadTag(srgb, curves[i]);
            if (a == NULL || b == NULL) {
                same = 0;
                break;
            }
            for (int v = 0; v <= 255 && same; v += 5) {
                float x = (float)v / 255.0f;
                float d = cmsEvalToneCurveFloat(a, x) - cmsEvalToneCurveFloat(b, x);
                same = d < 0.002f && d > -0.002f;
            }
        }
    }
    if (profile != NULL) cmsCloseProfile(profile);
    if (srgb != NULL) cmsCloseProfile(srgb);
    cmsDeleteContext(context);
    return same;
}
