package io.visprompt.dataset.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.persistence.CollectionTable;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.OrderColumn;
import jakarta.persistence.PostLoad;
import jakarta.persistence.PostPersist;
import jakarta.persistence.Table;
import jakarta.persistence.Transient;
import org.hibernate.annotations.BatchSize;
import org.springframework.data.domain.Persistable;

/** A stored dataset; written once when its upload is published, never updated. */
@Entity
@Table(name = "datasets")
public class DatasetEntity implements Persistable<UUID> {

    public static final String SPLIT_FOLDERS = "folders";
    public static final String SPLIT_SEEDED = "seeded";

    @Id
    private UUID id;

    private String name;

    /** The owning tenant's id ({@link io.visprompt.config.Tenant}). */
    private String tenant;

    private String splitMode;

    private Double valFraction;

    private Double testFraction;

    private Long splitSeed;

    private long uploadBytes;

    private long totalBytes;

    private Instant createdAt;

    /** Index in this list is the class label. */
    @ElementCollection
    @CollectionTable(name = "dataset_classes", joinColumns = @JoinColumn(name = "dataset_id"))
    @OrderColumn(name = "label")
    @BatchSize(size = 100)
    private List<DatasetClass> classes = new ArrayList<>();

    @ElementCollection
    @CollectionTable(name = "dataset_rejected_files", joinColumns = @JoinColumn(name = "dataset_id"))
    @OrderColumn(name = "position")
    @BatchSize(size = 100)
    private List<RejectedFileEntry> rejectedFiles = new ArrayList<>();

    // The id is assigned before the row exists, so Spring Data cannot tell a new entity by a null id.
    @Transient
    private boolean isNew = true;

    protected DatasetEntity() {
    }

    public DatasetEntity(UUID id, String tenant, String name, String splitMode, Double valFraction, Double testFraction,
            Long splitSeed, long uploadBytes, long totalBytes, Instant createdAt, List<DatasetClass> classes,
            List<RejectedFileEntry> rejectedFiles) {
        this.id = id;
        this.tenant = tenant;
        this.name = name;
        this.splitMode = splitMode;
        this.valFraction = valFraction;
        this.testFraction = testFraction;
        this.splitSeed = splitSeed;
        this.uploadBytes = uploadBytes;
        this.totalBytes = totalBytes;
        this.createdAt = createdAt;
        this.classes = new ArrayList<>(classes);
        this.rejectedFiles = new ArrayList<>(rejectedFiles);
    }

    @PostLoad
    @PostPersist
    void markStored() {
        isNew = false;
    }

    @Override
    public UUID getId() {
        return id;
    }

    @Override
    public boolean isNew() {
        return isNew;
    }

    public String tenant() {
        return tenant;
    }

    public String name() {
        return name;
    }

    public String splitMode() {
        return splitMode;
    }

    public Double valFraction() {
        return valFraction;
    }

    public Double testFraction() {
        return testFraction;
    }

    public Long splitSeed() {
        return splitSeed;
    }

    public long uploadBytes() {
        return uploadBytes;
    }

    public long totalBytes() {
        return totalBytes;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public List<DatasetClass> classes() {
        return List.copyOf(classes);
    }

    public List<RejectedFileEntry> rejectedFiles() {
        return List.copyOf(rejectedFiles);
    }
}
