import { z } from 'zod';
import { collectionId, displayProperties, stackId, text } from '../schema-types.js';
import { MAX_COUNT } from '../vocabulary.js';

/**
 * PlayFab Economy v2's request shapes, with PlayFab's field names. Unknown fields are ignored (as
 * PlayFab does: `CustomTags`, `DurationInSeconds` and newer fields pass), and null means absent,
 * since some SDKs send every field.
 */

const opt = <T extends z.ZodType>(schema: T) => schema.nullish();

/** PlayFab's limits on one ExecuteInventoryOperations. */
export const MAX_OPERATIONS = 50;
export const MAX_ITEMS_MODIFIED = 300;

export const entityKeySchema = z.looseObject({
  Id: text(1, 128),
  Type: opt(z.string()),
  TypeString: opt(z.string()),
});
export interface EntityKey {
  Id: string;
  Type?: string | null;
  TypeString?: string | null;
}

export const itemReferenceSchema = z.looseObject({
  Id: opt(text(1, 128)),
  StackId: opt(stackId),
  AlternateId: opt(z.looseObject({ Type: z.string(), Value: text(1, 128) })),
});
/** An item reference as the mapping reads it (what the schema gives, or one made in code). */
export interface ItemReference {
  Id?: string | null;
  StackId?: string | null;
  AlternateId?: { Type: string; Value: string } | null;
}

const amount = z.number().int().min(0).max(MAX_COUNT);
const newStackValues = opt(z.looseObject({ DisplayProperties: opt(displayProperties) }));

const addOperation = z.looseObject({
  Item: itemReferenceSchema,
  Amount: amount,
  NewStackValues: newStackValues,
});
const subtractOperation = z.looseObject({
  Item: itemReferenceSchema,
  Amount: amount,
  DeleteEmptyStacks: opt(z.boolean()),
});
const updateOperation = z.looseObject({
  Item: itemReferenceSchema.extend({ Amount: amount, DisplayProperties: opt(displayProperties) }),
});
const deleteOperation = z.looseObject({ Item: itemReferenceSchema });
const purchaseOperation = z.looseObject({
  Item: itemReferenceSchema,
  Amount: amount,
  PriceAmounts: z
    .array(z.looseObject({ ItemId: opt(text(1, 128)), Amount: amount, StackId: opt(stackId) }))
    .min(1)
    .max(1, 'Armory prices a loot in one item: name one price amount'),
  StoreId: opt(text(1, 128)),
  DeleteEmptyStacks: opt(z.boolean()),
});
const transferOperation = z.looseObject({
  GivingItem: itemReferenceSchema,
  ReceivingItem: opt(itemReferenceSchema),
  Amount: amount,
  NewStackValues: newStackValues,
  DeleteEmptyStacks: opt(z.boolean()),
});

export type AddOperation = z.infer<typeof addOperation>;
export type SubtractOperation = z.infer<typeof subtractOperation>;
export type UpdateOperation = z.infer<typeof updateOperation>;
export type DeleteOperation = z.infer<typeof deleteOperation>;
export type PurchaseOperation = z.infer<typeof purchaseOperation>;
export type TransferOperation = z.infer<typeof transferOperation>;

/** One operation of a batch: exactly one of these is set. */
export type InventoryOperation =
  | { Add: AddOperation }
  | { Subtract: SubtractOperation }
  | { Update: UpdateOperation }
  | { Delete: DeleteOperation }
  | { Purchase: PurchaseOperation }
  | { Transfer: TransferOperation };

const OPERATION_KINDS = ['Add', 'Subtract', 'Update', 'Delete', 'Purchase', 'Transfer'] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

const inventoryOperation = z
  .looseObject({
    Add: opt(addOperation),
    Subtract: opt(subtractOperation),
    Update: opt(updateOperation),
    Delete: opt(deleteOperation),
    Purchase: opt(purchaseOperation),
    Transfer: opt(transferOperation),
  })
  .transform((operation, ctx): InventoryOperation => {
    const set = OPERATION_KINDS.filter((kind) => operation[kind] !== undefined);
    if (set.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: 'set exactly one of Add, Subtract, Update, Delete, Purchase, Transfer',
      });
      return z.NEVER;
    }
    const kind = set[0]!;
    return { [kind]: operation[kind] } as InventoryOperation;
  });

/** What every write and most reads carry. */
const common = {
  Entity: opt(entityKeySchema),
  CollectionId: opt(collectionId),
  ETag: opt(text(1, 64)),
  IdempotencyId: opt(text(1, 128)),
};

export const requestSchemas = {
  AddInventoryItems: z.looseObject({ ...common, ...addOperation.shape }),
  SubtractInventoryItems: z.looseObject({ ...common, ...subtractOperation.shape }),
  UpdateInventoryItems: z.looseObject({ ...common, ...updateOperation.shape }),
  DeleteInventoryItems: z.looseObject({ ...common, ...deleteOperation.shape }),
  PurchaseInventoryItems: z.looseObject({ ...common, ...purchaseOperation.shape }),
  TransferInventoryItems: z.looseObject({
    ...transferOperation.shape,
    GivingEntity: opt(entityKeySchema),
    ReceivingEntity: opt(entityKeySchema),
    GivingCollectionId: opt(collectionId),
    ReceivingCollectionId: opt(collectionId),
    GivingETag: opt(text(1, 64)),
    IdempotencyId: opt(text(1, 128)),
  }),
  ExecuteInventoryOperations: z.looseObject({
    ...common,
    Operations: z.array(inventoryOperation).min(1).max(MAX_OPERATIONS),
  }),
  GetInventoryItems: z.looseObject({
    Entity: opt(entityKeySchema),
    CollectionId: opt(collectionId),
    Count: opt(z.number().int().min(1).max(50)),
    ContinuationToken: opt(text(1, 512)),
    Filter: opt(text(1, 2048)),
  }),
  GetInventoryCollectionIds: z.looseObject({
    Entity: opt(entityKeySchema),
    Count: opt(z.number().int().min(1).max(50)),
    ContinuationToken: opt(text(1, 512)),
  }),
  DeleteInventoryCollection: z.looseObject({ ...common }),
  GetTransactionHistory: z.looseObject({
    Entity: opt(entityKeySchema),
    CollectionId: opt(collectionId),
    Count: opt(z.number().int().min(1).max(250)),
    ContinuationToken: opt(text(1, 512)),
    Filter: opt(text(1, 2048)),
    OrderBy: opt(z.enum(['timestamp asc', 'timestamp desc'])),
  }),
  GetInventoryOperationStatus: z.looseObject({
    Entity: opt(entityKeySchema),
    CollectionId: opt(collectionId),
    OperationToken: text(1, 128),
  }),
  GetEntityToken: z.looseObject({ Entity: opt(entityKeySchema) }),
};

export type PlayFabCall = Exclude<keyof typeof requestSchemas, 'GetEntityToken'>;
export type RequestOf<C extends keyof typeof requestSchemas> = z.infer<(typeof requestSchemas)[C]>;
