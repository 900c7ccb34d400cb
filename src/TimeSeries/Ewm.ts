/**
 * Time series: Ewm (see issue 6). STUB.
 * @since 0.1.0
 */
export {}
