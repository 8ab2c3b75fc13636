/** The error body every endpoint answers with. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    /** The offending field, when the error is about one input. */
    field?: string;
  };
}
