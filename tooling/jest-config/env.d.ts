export declare const postgresUrl: string;
export declare const requirePostgres: boolean;
export declare const transformersModelDir: string | undefined;
