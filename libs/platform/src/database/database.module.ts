import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ApiKeyEntity } from '../auth/api-key.entity';
import { PG_POOL } from '../tokens';
import { poolOf } from './data-source';

/**
 * The app's database connection, given to Nest through @nestjs/typeorm: the DataSource (closed
 * with the app), the repositories of the row-shaped tables, and PG_POOL — the same DataSource's
 * pool, for the hand-written SQL of the hot paths.
 */
@Module({})
export class DatabaseModule {
  static of(dataSource: DataSource): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({ useFactory: () => dataSource.options, dataSourceFactory: async () => dataSource }),
        TypeOrmModule.forFeature([ApiKeyEntity]),
      ],
      providers: [{ provide: PG_POOL, useFactory: poolOf, inject: [getDataSourceToken()] }],
      exports: [TypeOrmModule, PG_POOL],
    };
  }
}
