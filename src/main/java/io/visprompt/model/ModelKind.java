package io.visprompt.model;

/** How a frozen model turns an image into class scores. */
public enum ModelKind {
    /** An image encoder whose features are compared with text-derived class weights. */
    CLIP,
    /** A plain classifier whose source classes are mapped onto the task's classes. */
    CLASSIFIER
}
