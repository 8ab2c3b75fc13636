package dev.slipway.worker;

/** A failure the gateway knows by its type (InvalidMojo, NotLoaded, InvalidInput, Cancelled). */
final class WorkerException extends Exception {
  private static final long serialVersionUID = 1L;
  final String type;
  /** The input column at fault, for InvalidInput. */
  final String field;

  WorkerException(String type, String message) {
    this(type, message, null);
  }

  WorkerException(String type, String message, String field) {
    super(message);
    this.type = type;
    this.field = field;
  }
}
