package io.visprompt.dataset;

import java.net.URI;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

import io.swagger.v3.oas.annotations.Operation;
import io.visprompt.config.ApiProblem;
import io.visprompt.config.CursorPage;
import io.visprompt.config.Tenant;
import io.visprompt.dataset.internal.SeededSplit;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.StringUtils;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

@RestController
@RequestMapping("/v1/datasets")
class DatasetController {

    static final int MAX_NAME_LENGTH = 200;

    /**
     * Declared types that can hold an archive. The content decides the format; this only turns away parts that say
     * they are something else (an image, JSON, text). A part without a type is accepted.
     */
    private static final Set<String> ARCHIVE_TYPES = Set.of("application/zip", "application/x-zip",
            "application/x-zip-compressed", "application/x-tar", "application/tar", "application/gzip",
            "application/x-gzip", "application/x-gtar", "application/x-tgz", "application/x-compressed-tar",
            "application/tar+gzip", "application/octet-stream");

    private final DatasetImporter importer;
    private final DatasetCatalog catalog;
    private final DatasetProperties properties;

    DatasetController(DatasetImporter importer, DatasetCatalog catalog, DatasetProperties properties) {
        this.importer = importer;
        this.catalog = catalog;
        this.properties = properties;
    }

    @Operation(summary = "Upload an ImageFolder archive as a dataset", description = """
            Part `file`: a .zip, .tar or .tar.gz holding `class_name/image.(jpg|jpeg|png)`, or `train/`, `val/`, \
            `test/` folders each holding class folders; one folder wrapping everything is fine. Class names are the \
            sorted folder names. Without split folders each class is divided at random (seeded, so repeatable) by \
            `val_fraction` and `test_fraction` (default 0.1 each); with them the folders decide, and when there is \
            no `val/`, val is carved out of `train/` by `val_fraction` (0 keeps every training image); the answer's \
            `validation` says which (`val_folder`, `carved_from_train`, `random_split`, `none`) and how many.

            Images are checked (JPEG/PNG, pixel limit read from the header) and stored as RGB PNG. Files that \
            cannot be used are listed in `rejected_files` with a reason; `__MACOSX/` and dotfiles are skipped. \
            The upload as a whole is refused, and nothing stored, when a class folder has no usable image \
            (`empty_class`: a silently missing class would change the label set), when fewer than 2 classes \
            remain (`too_few_classes`), when nothing is usable (`no_usable_images`), and for unsafe or oversized \
            archives (`unsafe_path`, `zip_bomb`, `archive_too_large`, `upload_too_large`), and with 413 \
            `quota_exceeded` when the stored images would take the tenant past its dataset-bytes quota.""")
    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    @ResponseStatus(HttpStatus.CREATED)
    ResponseEntity<DatasetResponse> upload(Tenant tenant, @RequestPart("file") MultipartFile file,
            @RequestParam(name = "name", required = false) String name,
            @RequestParam(name = "val_fraction", required = false) String valFraction,
            @RequestParam(name = "test_fraction", required = false) String testFraction) {
        requireArchiveType(file.getContentType());
        double val = fraction("val_fraction", valFraction, properties.defaultValFraction());
        double test = fraction("test_fraction", testFraction, properties.defaultTestFraction());
        if (val + test >= 1) {
            throw ApiProblem.invalidField("test_fraction", "val_fraction + test_fraction must be less than 1");
        }
        DatasetResponse dataset = importer.importArchive(tenant, file, datasetName(name, file.getOriginalFilename()),
                new SeededSplit(val, test, properties.splitSeed()));
        return ResponseEntity.created(URI.create("/v1/datasets/" + dataset.id())).body(dataset);
    }

    @GetMapping
    CursorPage<DatasetResponse> list(Tenant tenant, @RequestParam(name = "limit", required = false) String limit,
            @RequestParam(name = "after", required = false) String after) {
        return catalog.page(tenant, CursorPage.Request.of(limit, after, CursorPage::uuidCursor));
    }

    @GetMapping("/{id}")
    DatasetResponse get(Tenant tenant, @PathVariable String id) {
        return catalog.details(tenant, existingId(id));
    }

    @Operation(summary = "Files of the uploaded archive that were not imported, in archive order", description = """
            `GET /v1/datasets/{id}` shows the first of them and `rejected_file_count`; this lists them all, a page \
            at a time (`limit`, `after` = the previous page's `last_id`).""")
    @GetMapping("/{id}/rejected-files")
    CursorPage<DatasetResponse.RejectedFile> rejectedFiles(Tenant tenant, @PathVariable String id,
            @RequestParam(name = "limit", required = false) String limit,
            @RequestParam(name = "after", required = false) String after) {
        UUID datasetId = existingId(id);
        return catalog.rejectedFilesPage(tenant, datasetId, CursorPage.Request.of(limit, after, CursorPage::numberCursor));
    }

    /**
     * Body of {@code POST /v1/datasets/{id}/derive}: {@code corruption} (gaussian_noise, shot_noise, gaussian_blur,
     * brightness, contrast, jpeg, pixelate, defocus_blur), {@code severity} 1-5 (default 3), {@code seed} (default 0),
     * {@code constants} imagenet_c (default) or cifar10_c (the CIFAR-10-C constants, milder, for small images) and an
     * optional {@code name}.
     */
    record DeriveRequest(String corruption, Integer severity, Long seed, String constants, String name) {
    }

    @Operation(summary = "Make a corrupted copy of a dataset (ImageNet-C corruptions) for distribution-shift evaluation",
            description = """
            Every image of every split is corrupted with `corruption` at `severity` (1-5) as ImageNet-C defines             it (`constants`: `imagenet_c`, default, or `cifar10_c` for the milder CIFAR-10-C constants); the random             ones (gaussian_noise, shot_noise) are seeded by `seed` and each image's split and position, so the same             request gives the same pixels. The copy is a new dataset with the same classes and splits (201), stored             and counted against the quota like an upload; the source is unchanged.""")
    @PostMapping(path = "/{id}/derive", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ResponseStatus(HttpStatus.CREATED)
    ResponseEntity<DatasetResponse> derive(Tenant tenant, @PathVariable String id,
            @org.springframework.web.bind.annotation.RequestBody DeriveRequest request) {
        UUID source = existingId(id);
        io.visprompt.dataset.internal.Corruption corruption;
        try {
            corruption = io.visprompt.dataset.internal.Corruption.fromWire(request.corruption());
        } catch (IllegalArgumentException e) {
            throw ApiProblem.invalidField("corruption", "must be one of " + String.join(", ", java.util.Arrays.stream(
                    io.visprompt.dataset.internal.Corruption.values()).map(c -> c.wireName()).toList()));
        }
        int severity = request.severity() == null ? 3 : request.severity();
        if (severity < 1 || severity > 5) {
            throw ApiProblem.invalidField("severity", "must be 1 to 5");
        }
        io.visprompt.dataset.internal.Corruption.Table table = io.visprompt.dataset.internal.Corruption.Table.IMAGENET_C;
        if (request.constants() != null) {
            table = java.util.Arrays.stream(io.visprompt.dataset.internal.Corruption.Table.values())
                    .filter(t -> t.wireName().equals(request.constants())).findFirst()
                    .orElseThrow(() -> ApiProblem.invalidField("constants", "must be imagenet_c or cifar10_c"));
        }
        String sourceName = catalog.details(tenant, source).name();
        String name = request.name() != null ? datasetName(request.name(), null)
                : truncate(sourceName + " (" + corruption.wireName() + " " + severity + ")");
        DatasetResponse derived = importer.derive(tenant, source, name, corruption, table, severity,
                request.seed() == null ? 0 : request.seed());
        return ResponseEntity.created(URI.create("/v1/datasets/" + derived.id())).body(derived);
    }

    private static String truncate(String name) {
        return name.length() <= MAX_NAME_LENGTH ? name : name.substring(0, MAX_NAME_LENGTH);
    }

    /** A stored image for thumbnails: the n-th (from 0) of a class, train split first, then val and test. */
    @GetMapping(path = "/{id}/classes/{label}/images/{n}", produces = MediaType.IMAGE_PNG_VALUE)
    ResponseEntity<byte[]> classImage(Tenant tenant, @PathVariable String id, @PathVariable int label,
            @PathVariable int n) throws java.io.IOException {
        java.nio.file.Path file = catalog.classImage(tenant, existingId(id), label, n)
                .orElseThrow(() -> ApiProblem.notFound("image", id + "/classes/" + label + "/images/" + n));
        return ResponseEntity.ok().contentType(MediaType.IMAGE_PNG)
                .cacheControl(org.springframework.http.CacheControl.maxAge(java.time.Duration.ofHours(1)).cachePrivate())
                .body(java.nio.file.Files.readAllBytes(file));
    }

    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    ResponseEntity<Void> delete(Tenant tenant, @PathVariable String id) {
        catalog.delete(tenant, existingId(id));
        return ResponseEntity.noContent().build();
    }

    private static void requireArchiveType(String contentType) {
        if (!StringUtils.hasText(contentType)) {
            return;
        }
        try {
            MediaType type = MediaType.parseMediaType(contentType);
            if (ARCHIVE_TYPES.contains((type.getType() + "/" + type.getSubtype()).toLowerCase(Locale.ROOT))) {
                return;
            }
        } catch (InvalidMediaTypeException e) {
            // fall through: an unreadable type is not an archive type
        }
        throw new ApiProblem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                "The file part is declared as " + contentType + "; upload a .zip, .tar or .tar.gz archive");
    }

    private static double fraction(String field, String value, double defaultValue) {
        if (!StringUtils.hasText(value)) {
            return defaultValue;
        }
        double parsed;
        try {
            parsed = Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw ApiProblem.invalidField(field, "must be a number");
        }
        if (!(parsed >= 0 && parsed < 1)) {
            throw ApiProblem.invalidField(field, "must be at least 0 and less than 1");
        }
        return parsed;
    }

    private static String datasetName(String name, String originalFilename) {
        if (name != null) {
            String trimmed = name.strip();
            if (trimmed.isEmpty() || trimmed.length() > MAX_NAME_LENGTH || trimmed.chars().anyMatch(Character::isISOControl)) {
                throw ApiProblem.invalidField("name", "must be 1 to " + MAX_NAME_LENGTH + " printable characters");
            }
            return trimmed;
        }
        String fromFile = StringUtils.hasText(originalFilename)
                ? originalFilename.substring(Math.max(originalFilename.lastIndexOf('/'), originalFilename.lastIndexOf('\\')) + 1)
                        .replaceFirst("(?i)\\.(zip|tar|tar\\.gz|tgz)$", "").replaceAll("\\p{Cntrl}", "").strip()
                : "";
        if (fromFile.isEmpty()) {
            return "dataset";
        }
        return fromFile.length() > MAX_NAME_LENGTH ? fromFile.substring(0, MAX_NAME_LENGTH) : fromFile;
    }

    /** A malformed id names no dataset, so it is answered like an unknown one. */
    private static UUID existingId(String id) {
        UUID parsed = parseId(id);
        if (parsed == null) {
            throw ApiProblem.notFound("dataset", id);
        }
        return parsed;
    }

    private static UUID parseId(String value) {
        try {
            UUID id = UUID.fromString(value.trim());
            // UUID.fromString accepts shortened forms such as "1-2-3-4-5"; only the canonical form is an id.
            return id.toString().equalsIgnoreCase(value.trim()) ? id : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
