import { ValidationPipe } from '@nestjs/common';
import { ValidateBy, ValidateIf, type ValidationError } from 'class-validator';
import { ApiError } from './api-error';

type Issue = { field: string; message: string };

/** Flattens class-validator's nested errors into the contract's `details`, one entry per bad field. */
export function fieldIssues(errors: ValidationError[], prefix = ''): Issue[] {
  return errors.flatMap((e) => {
    const messages = Object.values(e.constraints ?? {});
    const own = messages.length > 0 ? [{ field: `${prefix}${e.property}`, message: messages.join('; ') }] : [];
    return [...own, ...fieldIssues(e.children ?? [], `${prefix}${e.property}.`)];
  });
}

/**
 * The class-validator pipe of a body (`forbidUnknown`: a field the DTO does not declare is an
 * error) or a query string (unknown parameters are ignored). Every bad field in one 400 with
 * the contract's error body; the DTO's values are left as sent (strings, for a query).
 */
export function validation(what: 'body' | 'query', options: { forbidUnknown: boolean }): ValidationPipe {
  return new ValidationPipe({
    whitelist: options.forbidUnknown,
    forbidNonWhitelisted: options.forbidUnknown,
    exceptionFactory: (errors) => {
      const details = fieldIssues(errors);
      return ApiError.of(
        400,
        'invalid_input',
        `invalid ${what === 'body' ? 'input' : 'query'}: ${details.map((d) => d.field).join(', ')}`,
        details,
      );
    },
  });
}

/** A query parameter: checked when given, and an empty one (`?year=`) counts as absent. */
export const OptionalParam = (): PropertyDecorator => ValidateIf((_object, value) => value !== undefined && value !== '');

/** A query parameter that is a whole number from min to max, written in decimal digits. */
export const IsIntegerText = (min: number, max: number): PropertyDecorator =>
  ValidateBy({
    name: 'isIntegerText',
    constraints: [min, max],
    validator: {
      validate: (value: unknown) => typeof value === 'string' && /^-?\d+$/.test(value) && Number(value) >= min && Number(value) <= max,
      defaultMessage: () => `must be an integer from ${min} to ${max}`,
    },
  });

/** The number of a query parameter that passed IsIntegerText; undefined when absent. */
export function integerParam(value: string | undefined): number | undefined {
  return value === undefined || value === '' ? undefined : Number(value);
}
