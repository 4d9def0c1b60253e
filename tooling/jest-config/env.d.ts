export declare const postgresUrl: string;
export declare const requirePostgres: boolean;
export declare const transformersModelDir: string | undefined;
export declare function withPostgres(
  suite: string,
  url: string,
  probe: () => { available: true } | { available: false; reason: string },
  define: () => void,
): void;
